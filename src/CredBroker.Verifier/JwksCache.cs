using CredBroker.Core.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier;

/// <summary>
/// The broker's signing keys, fetched from its JWKS and cached. Fetched again every
/// <see cref="CredBrokerVerifierOptions.JwksRefreshInterval"/> and when a token names a <c>kid</c> the
/// cache lacks (a key just rotated in), but never more often than
/// <see cref="CredBrokerVerifierOptions.JwksMinRefreshInterval"/>, so tokens with made-up <c>kid</c>s cannot
/// turn the verifier against the broker. A failed fetch keeps the last good keys; a key withdrawn from the
/// JWKS stops verifying after the next fetch. Keys are found by exact <c>kid</c> only.
/// </summary>
internal sealed class JwksCache : IIssuerKeys, IDisposable
{
    /// <summary>The named <see cref="HttpClient"/> used for the JWKS; configure it (TLS, HTTP version) with <c>AddHttpClient(JwksCache.HttpClientName)</c>.</summary>
    public const string HttpClientName = "CredBroker.Verifier.Jwks";

    private readonly JwksKeySet keys;

    public JwksCache(IHttpClientFactory http, IOptions<CredBrokerVerifierOptions> options, TimeProvider time, ILogger<JwksCache> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        var uri = CredBrokerVerifierOptionsValidator.JwksUri(o) ?? throw new InvalidOperationException("CredBroker:Verifier:BrokerAddress is required");
        keys = new JwksKeySet(new HttpJwksSource(http, uri), $"{o.Issuer} (access tokens)", o.JwksRefreshInterval, o.JwksMinRefreshInterval, time, logger);
    }

    /// <summary>How many usable keys are held now.</summary>
    public int KeyCount => keys.KeyCount;

    /// <summary>Why the last fetch failed; null when it succeeded.</summary>
    public string? LastFailure => keys.LastFailure;

    /// <summary>Fetches the JWKS now, ignoring the rate limit; true when keys are held afterwards.</summary>
    public Task<bool> LoadAsync(CancellationToken cancellationToken) => keys.LoadAsync(cancellationToken);

    public ValueTask<IssuerKey?> FindAsync(string kid, CancellationToken cancellationToken) => keys.FindAsync(kid, cancellationToken);

    /// <summary>The key held now under <paramref name="kid"/>, without fetching; null once the JWKS no longer publishes it.</summary>
    public IssuerKey? Held(string kid) => keys.Held(kid);

    public void Dispose() => keys.Dispose();

    /// <summary>The JWKS over HTTP(S), read with a size cap; redirects are not followed by the caller's choice of handler.</summary>
    private sealed class HttpJwksSource(IHttpClientFactory http, Uri uri) : IJwksSource
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

        public string Location => uri.ToString();

        public async Task<byte[]> FetchAsync(CancellationToken cancellationToken)
        {
            var client = http.CreateClient(HttpClientName);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            // The client's configured HTTP version (e.g. HTTP/2 without TLS to a broker's gRPC port) applies to this request too.
            using var request = new HttpRequestMessage(HttpMethod.Get, uri) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"HTTP {(int)response.StatusCode}", null, response.StatusCode);
            }

            if (response.Content.Headers.ContentLength > JwksDocument.MaxBytes)
            {
                throw new FormatException($"key set is larger than {JwksDocument.MaxBytes} bytes");
            }

            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[JwksDocument.MaxBytes + 1];
                var length = 0;
                int read;
                while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), timeout.Token).ConfigureAwait(false)) > 0)
                {
                    length += read;
                }

                return length <= JwksDocument.MaxBytes ? buffer[..length] : throw new FormatException($"key set is larger than {JwksDocument.MaxBytes} bytes");
            }
        }
    }
}
