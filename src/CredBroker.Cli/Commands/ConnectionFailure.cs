using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using CredBroker.Client;
using Grpc.Core;

namespace CredBroker.Cli.Commands;

/// <summary>
/// Why no gRPC conversation with the broker took place, told by the likely cause: nothing listening, TLS on one
/// side only, the broker's HTTP/1.1 port, or something that is not a gRPC server. Null when the broker answered.
/// </summary>
internal static class ConnectionFailure
{
    private const string NotHttp2 = "it did not answer as cleartext HTTP/2 (gRPC): an HTTP/1.1 server, or a TLS port reached with http:// (use https://)";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// What <see cref="Describe"/> said, made sure of where the answer alone cannot tell: the broker's HTTP/1.1
    /// listener answers an HTTP/2 call with HTTP_1_1_REQUIRED, but closes the connection at once, and the reset can
    /// reach the client before that answer does. So a cleartext address that did not speak HTTP/2 is asked, once and
    /// over HTTP/1.1, whether it is a broker's probe port (<c>/healthz/live</c>).
    /// </summary>
    public static async Task<string> ConfirmAsync(string described, Uri? address, CancellationToken cancellationToken)
    {
        if (address is null || address.Scheme != Uri.UriSchemeHttp || !described.EndsWith(NotHttp2, StringComparison.Ordinal))
        {
            return described;
        }

        try
        {
            using var http = new HttpClient { Timeout = ProbeTimeout };
            using var live = await http.GetAsync(new Uri(address, "/healthz/live"), cancellationToken).ConfigureAwait(false);
            return live.IsSuccessStatusCode ? Http11Listener(Where(address)) : described;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return described;
        }
    }

    private static string Where(Uri? address) => $"cannot reach the broker at {address}";

    private static string Http11Listener(string where) =>
        $"{where}: this is an HTTP/1.1 listener (JWKS, metadata, health), not the gRPC port; the gRPC port is the one of --urls (default {GlobalOptions.DefaultAddress})";

    public static string? Describe(CredBrokerException error, Uri? address)
    {
        var rpc = error.InnerException as RpcException;
        var chain = Chain(rpc?.Status.DebugException).ToList();
        var where = Where(address);
        if (chain.OfType<SocketException>().FirstOrDefault() is { } socket)
        {
            return socket.SocketErrorCode == SocketError.ConnectionRefused
                ? $"{where}: nothing listens there (is the broker running? `credbroker-server serve --dev` starts one)"
                : $"{where}: {socket.Message}";
        }

        if (chain.OfType<AuthenticationException>().Any())
        {
            return $"{where}: the TLS handshake failed; an https:// address needs a TLS listener (the broker's default port is cleartext: use http://)";
        }

        if (chain.OfType<HttpProtocolException>().FirstOrDefault() is { ErrorCode: 0xd })
        {
            return Http11Listener(where);
        }

        if (chain.Any(e => e is HttpProtocolException or HttpIOException) || (chain.Count > 0 && chain[0] is HttpRequestException))
        {
            return $"{where}: {NotHttp2}";
        }

        if (rpc is not null && rpc.Status.Detail.StartsWith("Bad gRPC response", StringComparison.Ordinal))
        {
            return $"{where}: something answered, but not a gRPC broker ({rpc.Status.Detail})";
        }

        return error.IsUnavailable && chain.Count > 0 ? $"{where}: {chain[^1].Message}" : null;
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
