using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using CredBroker.Core.SigningKeys;
using CredBroker.Core.Tokens;
using CredBroker.LoadTest.Broker;
using CredBroker.Verifier;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Benchmarks;

/// <summary>
/// The tool-side verifier's <see cref="TokenVerifier.ValidateAsync(string?, string, CancellationToken)"/>
/// (signature, claims, scope, revocation cache) against the raw ES256 verification inside it (target: ≤ 1.3×),
/// and a token seen before against a new one (target: ≥ 20× faster). The verifier runs as a tool server
/// embeds it, against an in-process bench broker: JWKS fetched, revocation stream connected and fresh,
/// validated-token cache at its default size. "Seen before" is one token again and again (a cache hit);
/// "new" cycles through more distinct tokens than the cache holds, so every call is a miss that pays full
/// validation and the insert (and the eviction it causes) — the cache's own counter checks that below.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "BenchmarkDotNet releases it in [GlobalCleanup]")]
public class VerifierBenchmarks
{
    /// <summary>More than the default cache size (10,000), visited in a cycle: the least recently used go first, so none is still held when its turn comes. A power of two, for the index mask.</summary>
    private const int Distinct = 16384;

    private WebApplication broker = null!;
    private BenchVerifier verifier = null!;
    private string directory = null!;
    private string[] tokens = null!;
    private string seen = null!;
    private ECDsa key = null!;
    private byte[] signingInput = null!;
    private byte[] signature = null!;
    private int next;
    private MeterListener? cacheLookups;
    private long newTokenHits;
    private long newTokenMisses;

    [GlobalSetup]
    public Task Setup() => SetupAsync(cacheSize: new CredBrokerVerifierOptions().ValidatedTokenCacheSize);

    /// <summary>The same verifier with its validated-token cache off: what a miss costs without the cache's lookup and insert.</summary>
    [GlobalSetup(Target = nameof(ValidateNewUncached))]
    public Task SetupUncached() => SetupAsync(cacheSize: 0);

    private async Task SetupAsync(int cacheSize)
    {
        directory = Directory.CreateTempSubdirectory("credbroker-benchmarks-").FullName;
        broker = BenchBroker.Build(directory, "memory", redis: null, redisKeyPrefix: null);
        await broker.StartAsync();
        using var identities = new CredBroker.Core.Identity.DevIdentityIssuer(BenchBroker.KeyDirectory(directory), "credbroker", TimeProvider.System);
        verifier = await BenchVerifier.StartAsync(BenchBroker.Address(broker), identities.Issue(BenchPolicy.Tool, TimeSpan.FromHours(2)), o => o.ValidatedTokenCacheSize = cacheSize);

        // A fresh store starts a new generation: every token issued before its start (rounded up to a
        // whole second) is revoked. Tokens for the benchmark are issued after that second.
        await Task.Delay(TimeSpan.FromSeconds(2));

        // Tokens signed by the broker's own key ring, as RequestGrant would return them.
        var issuer = broker.Services.GetRequiredService<AccessTokenIssuer>();
        tokens = Enumerable.Range(0, Distinct).Select(_ => issuer.Mint(BenchKeys.Grant())).ToArray();
        // Not one of the cycle's tokens: checking it here caches it, and "new" must meet none cached.
        seen = issuer.Mint(BenchKeys.Grant());
        var check = await verifier.Verifier.ValidateAsync(seen, BenchPolicy.Tools[0]);
        if (!check.IsValid)
        {
            throw new InvalidOperationException($"the verifier refuses the benchmark token: {check.Message}");
        }

        key = broker.Services.GetRequiredService<SigningKeyRing>().Active.Key;
        var dot = seen.LastIndexOf('.');
        signingInput = Encoding.ASCII.GetBytes(seen[..dot]);
        signature = System.Buffers.Text.Base64Url.DecodeFromChars(seen.AsSpan(dot + 1));
    }

    /// <summary>For "new" only: counts the verifier's cache lookups, to prove afterwards that none was a hit.</summary>
    [GlobalSetup(Target = nameof(ValidateNew))]
    public async Task SetupCountingLookups()
    {
        await Setup();
        cacheLookups = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == VerifierMetrics.MeterName && instrument.Name == VerifierMetrics.TokenCacheInstrument)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        cacheLookups.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "result" && tag.Value is "hit")
                {
                    Interlocked.Add(ref newTokenHits, value);
                }
                else if (tag.Key == "result")
                {
                    Interlocked.Add(ref newTokenMisses, value);
                }
            }
        });
        cacheLookups.Start();
    }

    [GlobalCleanup(Target = nameof(ValidateNew))]
    public async Task CleanupCheckingNoHit()
    {
        cacheLookups?.Dispose();
        Console.WriteLine($"// new token: {newTokenMisses} cache misses, {newTokenHits} cache hits");
        await Cleanup();
        if (newTokenHits > 0 || newTokenMisses == 0)
        {
            throw new InvalidOperationException($"\"new token\" was answered from the validated-token cache {newTokenHits} times: it measured hits, not new tokens");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await verifier.DisposeAsync();
        await broker.StopAsync();
        await broker.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "ECDsa.VerifyData P-256 SHA-256")]
    public bool RawVerifyData() => key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256);

    [Benchmark(Description = "TokenVerifier.ValidateAsync: new token")]
    public async Task<TokenVerification> ValidateNew() => await verifier.Verifier.ValidateAsync(tokens[next++ & (Distinct - 1)], BenchPolicy.Tools[0]);

    [Benchmark(Description = "TokenVerifier.ValidateAsync: new token, cache off")]
    public async Task<TokenVerification> ValidateNewUncached() => await verifier.Verifier.ValidateAsync(tokens[next++ & (Distinct - 1)], BenchPolicy.Tools[0]);

    [Benchmark(Description = "TokenVerifier.ValidateAsync: token seen before")]
    public async Task<TokenVerification> ValidateSeen() => await verifier.Verifier.ValidateAsync(seen, BenchPolicy.Tools[0]);
}
