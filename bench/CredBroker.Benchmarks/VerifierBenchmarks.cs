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
/// embeds it, against an in-process bench broker: JWKS fetched, revocation stream connected and fresh.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "BenchmarkDotNet releases it in [GlobalCleanup]")]
public class VerifierBenchmarks
{
    private const int Distinct = 4096;

    private WebApplication broker = null!;
    private BenchVerifier verifier = null!;
    private string directory = null!;
    private string[] tokens = null!;
    private string seen = null!;
    private ECDsa key = null!;
    private byte[] signingInput = null!;
    private byte[] signature = null!;
    private int next;

    [GlobalSetup]
    public async Task Setup()
    {
        directory = Directory.CreateTempSubdirectory("credbroker-benchmarks-").FullName;
        broker = BenchBroker.Build(directory, "memory", redis: null, redisKeyPrefix: null);
        await broker.StartAsync();
        using var identities = new CredBroker.Core.Identity.DevIdentityIssuer(BenchBroker.KeyDirectory(directory), "credbroker", TimeProvider.System);
        verifier = await BenchVerifier.StartAsync(BenchBroker.Address(broker), identities.Issue(BenchPolicy.Tool, TimeSpan.FromHours(2)));

        // A fresh store starts a new generation: every token issued before its start (rounded up to a
        // whole second) is revoked. Tokens for the benchmark are issued after that second.
        await Task.Delay(TimeSpan.FromSeconds(2));

        // Tokens signed by the broker's own key ring, as RequestGrant would return them.
        var issuer = broker.Services.GetRequiredService<AccessTokenIssuer>();
        tokens = Enumerable.Range(0, Distinct).Select(_ => issuer.Mint(BenchKeys.Grant())).ToArray();
        seen = tokens[0];
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

    [Benchmark(Description = "TokenVerifier.ValidateAsync: token seen before")]
    public async Task<TokenVerification> ValidateSeen() => await verifier.Verifier.ValidateAsync(seen, BenchPolicy.Tools[0]);
}
