using Grpc.Core;

namespace CredBroker.Server.Telemetry;

/// <summary>
/// Each RPC's request id: the caller's <c>x-request-id</c> when it is a plain token (so a trace can
/// span systems), otherwise a new one. It goes back in the response headers, into every log line's
/// scope and into the audit record.
/// </summary>
public static class RequestIds
{
    public const string Header = "x-request-id";

    private const string Key = "credbroker.request_id";

    public static string Assign(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var offered = context.RequestHeaders.GetValue(Header);
        var id = IsPlain(offered) ? offered! : "r_" + Guid.NewGuid().ToString("N")[..20];
        context.UserState[Key] = id;
        return id;
    }

    public static string Of(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(Key, out var id) && id is string s ? s : string.Empty;
    }

    /// <summary>The same for a plain HTTP request (the OAuth token endpoint): taken or made, and sent back as a response header.</summary>
    public static string Assign(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        string? offered = http.Request.Headers[Header];
        var id = IsPlain(offered) ? offered! : "r_" + Guid.NewGuid().ToString("N")[..20];
        http.Response.Headers[Header] = id;
        return id;
    }

    /// <summary>Short letters, digits and <c>._-</c> only: a header is attacker-controlled and ends up in logs.</summary>
    private static bool IsPlain(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
