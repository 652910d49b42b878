using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CredBroker.Server.Http;

/// <summary>
/// Where clients fetch the JWKS, as the RFC 8414 metadata advertises it (<c>jwks_uri</c>, section 2):
/// on the HTTP/1.1 listener that serves it, never on a cleartext gRPC port where an HTTP/1.1 GET is
/// refused. In order: <c>CredBroker:PublicHttpUrl</c>; else the HTTP/1.1 listener's own address with its
/// bound port (a wildcard host, e.g. <c>0.0.0.0</c>, is replaced by the issuer's host, the name clients
/// already use); else the issuer, whose port then is the only one that serves the JWKS.
/// </summary>
public sealed class JwksLocation
{
    private Uri? listenerUrl;
    private ListenOptions? listener;

    /// <summary>Remembers the HTTP/1.1 listener; its bound port is read later, since port 0 is chosen at start.</summary>
    internal void UseListener(Uri url, ListenOptions options)
    {
        listenerUrl = url;
        listener = options;
    }

    public Uri JwksUri(string issuer, string? publicHttpUrl) => On(issuer, publicHttpUrl, WellKnownEndpoints.JwksPath);

    /// <summary>Where <paramref name="path"/> (e.g. the token endpoint) is reached on the same HTTP/1.1 listener as the JWKS.</summary>
    public Uri On(string issuer, string? publicHttpUrl, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new(Base(issuer, publicHttpUrl, listenerUrl, (listener?.EndPoint as System.Net.IPEndPoint)?.Port), path.TrimStart('/'));
    }

    /// <summary>The base URL (ending in '/') under which <see cref="WellKnownEndpoints.JwksPath"/> is served.</summary>
    public static Uri Base(string issuer, string? publicHttpUrl, Uri? listenerUrl, int? boundPort)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        if (!string.IsNullOrWhiteSpace(publicHttpUrl))
        {
            return Directory(new Uri(publicHttpUrl));
        }

        if (listenerUrl is null)
        {
            return Directory(new Uri(issuer));
        }

        var wildcard = listenerUrl.Host is "0.0.0.0" or "[::]" or "::";
        var url = new UriBuilder(listenerUrl)
        {
            Host = wildcard ? new Uri(issuer).Host : listenerUrl.Host,
            Port = boundPort is > 0 and var port ? port : listenerUrl.Port,
        };
        return Directory(url.Uri);
    }

    private static Uri Directory(Uri url) => url.AbsolutePath.EndsWith('/') ? url : new Uri(url, url.AbsolutePath + "/");
}
