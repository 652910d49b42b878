using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CredBroker.Core.Identity;

/// <summary>A key set on disk, e.g. a SPIFFE bundle kept current by a SPIRE agent; read again on each refresh.</summary>
public sealed class FileJwksSource(string path) : IJwksSource
{
    public string Location { get; } = path;

    public async Task<byte[]> FetchAsync(CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(Location, cancellationToken).ConfigureAwait(false);
        return bytes.Length <= JwksDocument.MaxBytes ? bytes : throw new FormatException($"key set is larger than {JwksDocument.MaxBytes} bytes");
    }
}

/// <summary>
/// A key set served over HTTPS. With a CA file the server certificate must chain to those CAs
/// (and still match the host name); without one, the system trust store decides. Certificate
/// checks are never switched off.
/// </summary>
public sealed class HttpsJwksSource : IJwksSource, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Uri uri;
    private readonly HttpClient client;

    public HttpsJwksSource(Uri uri, string? caFile, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(time);
        this.uri = uri.Scheme == Uri.UriSchemeHttps ? uri : throw new ArgumentException("a key set URL must be https", nameof(uri));
        var handler = new SocketsHttpHandler
        {
            // A redirect could lead anywhere, including to plain http.
            AllowAutoRedirect = false,
            ConnectTimeout = Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (caFile is not null)
        {
            var roots = CertificateChains.LoadPem(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, sent, errors) =>
                Trusted(certificate, sent, errors, roots, time);
        }

        client = new HttpClient(handler) { Timeout = Timeout };
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
    }

    public string Location => uri.ToString();

    public async Task<byte[]> FetchAsync(CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}", null, response.StatusCode);
        }

        if (response.Content.Headers.ContentLength > JwksDocument.MaxBytes)
        {
            throw new FormatException($"key set is larger than {JwksDocument.MaxBytes} bytes");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[JwksDocument.MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            return length <= JwksDocument.MaxBytes ? buffer[..length] : throw new FormatException($"key set is larger than {JwksDocument.MaxBytes} bytes");
        }
    }

    public void Dispose() => client.Dispose();

    private static bool Trusted(X509Certificate? certificate, X509Chain? sent, SslPolicyErrors errors, X509Certificate2Collection roots, TimeProvider time)
    {
        // Only the roots are replaced: a missing certificate or a host-name mismatch still fails.
        if (certificate is not X509Certificate2 leaf
            || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        var intermediates = sent?.ChainPolicy.ExtraStore.Cast<X509Certificate2>() ?? [];
        return CertificateChains.ChainsTo(leaf, roots, intermediates, time.GetUtcNow(), clientAuthentication: false);
    }
}
