using System.Text.Json;
using CredBroker.Core.Policy;
using CredBroker.Protocol.V1;
using CredBroker.Server.Errors;

namespace CredBroker.Server.Http;

/// <summary>A token request read into the gRPC <c>RequestGrantRequest</c>, so both wires reach Core through one mapping.</summary>
/// <param name="Resource">The RFC 8707 <c>resource</c>; null when omitted (the audience is then the one the tools live on).</param>
public sealed record TokenGrantRequest(string Assertion, RequestGrantRequest Grant, string? Resource);

/// <summary>
/// Reads the RFC 7523 jwt-bearer grant's parameters: <c>assertion</c>, <c>scope</c> (the tools, RFC 6749 section 3.3),
/// <c>resource</c> (RFC 8707) and one RFC 9396 <c>authorization_details</c> entry of type <c>credbroker_task</c>.
/// Whatever is malformed here is refused before the assertion is checked or anything is recorded (invariant 8);
/// the values themselves (tool names, task id, purpose, context) are Core's to judge, as for gRPC.
/// </summary>
public static class TokenRequestReader
{
    public const string JwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    public const string TokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";

    private static readonly string[] DetailMembers = ["type", "task_id", "purpose", "context"];

    public static (TokenGrantRequest? Request, OAuthError? Error) Read(TokenRequestForm form, BrokerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(policy);
        switch (form["grant_type"])
        {
            case null:
                return Fail(OAuthErrors.InvalidRequest($"grant_type: required; this endpoint takes {JwtBearer}"));
            case TokenExchange:
                return Fail(OAuthErrors.UnsupportedGrantType($"grant_type: {TokenExchange} (RFC 8693) is not supported yet; use {JwtBearer} with the workload's own identity token"));
            case not JwtBearer:
                return Fail(OAuthErrors.UnsupportedGrantType($"grant_type: '{form["grant_type"]}' is not supported; this endpoint takes {JwtBearer}"));
        }

        if (form["assertion"] is not { } assertion)
        {
            return Fail(OAuthErrors.InvalidRequest("assertion: required, the workload's JWT-SVID or OIDC identity token (RFC 7523 section 2.1)"));
        }

        var tools = (form["scope"] ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (form["authorization_details"] is not { } details)
        {
            return Fail(OAuthErrors.InvalidRequest($"authorization_details: required, e.g. [{{\"type\":\"{OAuthErrors.AuthorizationDetailsType}\",\"task_id\":\"t-42\",\"purpose\":\"triage ticket 42\"}}]"));
        }

        var grant = new RequestGrantRequest { Tools = { tools } };
        if (ReadDetails(details, grant) is { } badDetails)
        {
            return Fail(badDetails);
        }

        var resource = form["resource"];
        if (resource is not null && Target(resource, tools, policy) is { } badTarget)
        {
            return Fail(badTarget);
        }

        return (new TokenGrantRequest(assertion, grant, resource), null);
    }

    /// <summary>
    /// RFC 8707 section 2: a resource that is no audience of a tool is <c>invalid_target</c>, and so is one the
    /// requested tools do not live on (a token has one audience, so it could not be that resource's).
    /// Unknown tools are left to Core, which refuses them as gRPC does.
    /// </summary>
    private static OAuthError? Target(string resource, string[] tools, BrokerPolicy policy)
    {
        if (!policy.Tools.Values.Any(t => string.Equals(t.Audience, resource, StringComparison.Ordinal)))
        {
            return OAuthErrors.InvalidTarget($"resource: '{resource}' is not the audience of any tool in policy");
        }

        foreach (var tool in tools)
        {
            if (policy.Tools.TryGetValue(tool, out var known) && !string.Equals(known.Audience, resource, StringComparison.Ordinal))
            {
                return OAuthErrors.InvalidTarget($"resource: tool '{tool}' is served by {known.Audience}, not {resource}; request it with resource={known.Audience}");
            }
        }

        return null;
    }

    /// <summary>RFC 9396 section 2: a JSON array of objects, each with a <c>type</c>; this endpoint takes exactly one, ours.</summary>
    private static OAuthError? ReadDetails(string json, RequestGrantRequest grant)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException)
        {
            return Details("is not JSON; send a JSON array with one credbroker_task object");
        }

        using (document)
        {
            if (document.RootElement is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() != 1 || array[0].ValueKind != JsonValueKind.Object)
            {
                return Details($"must be a JSON array with exactly one object of type {OAuthErrors.AuthorizationDetailsType}");
            }

            var entry = array[0];
            if (!entry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != OAuthErrors.AuthorizationDetailsType)
            {
                return Details($"[0].type: must be \"{OAuthErrors.AuthorizationDetailsType}\"");
            }

            foreach (var member in entry.EnumerateObject())
            {
                if (!DetailMembers.Contains(member.Name, StringComparer.Ordinal))
                {
                    return Details($"[0].{member.Name}: not a member of {OAuthErrors.AuthorizationDetailsType} (it has {string.Join(", ", DetailMembers)})");
                }
            }

            grant.TaskId = Text(entry, "task_id", out var badTask) ?? string.Empty;
            grant.Purpose = Text(entry, "purpose", out var badPurpose) ?? string.Empty;
            if ((badTask ?? badPurpose) is { } bad)
            {
                return bad;
            }

            if (!entry.TryGetProperty("context", out var context))
            {
                return null;
            }

            if (context.ValueKind != JsonValueKind.Object)
            {
                return Details("[0].context: must be an object of string values");
            }

            foreach (var item in context.EnumerateObject())
            {
                if (item.Value.ValueKind != JsonValueKind.String)
                {
                    return Details($"[0].context.{item.Name}: must be a string");
                }

                if (grant.Context.ContainsKey(item.Name))
                {
                    return Details($"[0].context.{item.Name}: given twice");
                }

                grant.Context[item.Name] = item.Value.GetString();
            }

            return null;
        }
    }

    private static string? Text(JsonElement entry, string name, out OAuthError? error)
    {
        error = null;
        if (!entry.TryGetProperty(name, out var value))
        {
            // Missing is Core's to refuse ("task_id: required"), as it is for an empty gRPC field.
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            error = Details($"[0].{name}: must be a string");
            return null;
        }

        return value.GetString();
    }

    private static OAuthError Details(string problem) => OAuthErrors.InvalidAuthorizationDetails("authorization_details" + (problem.StartsWith('[') ? problem : ": " + problem));

    private static (TokenGrantRequest?, OAuthError?) Fail(OAuthError error) => (null, error);
}
