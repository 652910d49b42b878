using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using CredBroker.Core.Tokens;

namespace CredBroker.Benchmarks;

/// <summary>
/// Core's <see cref="AccessTokenValidator"/> alone (what Introspect and the verifier both run) against
/// the raw ES256 verification inside it; <see cref="VerifierBenchmarks"/> measures the whole verifier.
/// It keeps no validated-token cache (that is the verifier's, measured in <see cref="VerifierBenchmarks"/>),
/// so here a token seen before costs what a new one does.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "BenchmarkDotNet releases it in [GlobalCleanup]")]
public class TokenValidationBenchmarks
{
    private const int Distinct = 4096;

    private BenchKeys keys = null!;
    private string[] tokens = null!;
    private string seen = null!;
    private byte[] signingInput = null!;
    private byte[] signature = null!;
    private int next;

    [GlobalSetup]
    public void Setup()
    {
        keys = new BenchKeys();
        // Distinct tokens for "new": a cache, where there is one, must not answer them.
        tokens = Enumerable.Range(0, Distinct).Select(_ => keys.Issuer.Mint(BenchKeys.Grant())).ToArray();
        seen = tokens[0];
        if (!keys.Validator.ValidateAsync(seen).GetAwaiter().GetResult().IsValid)
        {
            throw new InvalidOperationException("the benchmark token does not validate");
        }

        var dot = seen.LastIndexOf('.');
        signingInput = Encoding.ASCII.GetBytes(seen[..dot]);
        signature = Base64UrlDecode(seen[(dot + 1)..]);
    }

    [GlobalCleanup]
    public void Cleanup() => keys.Dispose();

    [Benchmark(Baseline = true, Description = "ECDsa.VerifyData P-256 SHA-256")]
    public bool RawVerifyData() => keys.Ring.Active.Key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256);

    [Benchmark(Description = "validate a new token")]
    public async Task<TokenFailure?> ValidateNew() => (await keys.Validator.ValidateAsync(tokens[next++ & (Distinct - 1)])).Reason;

    [Benchmark(Description = "validate a token seen before")]
    public async Task<TokenFailure?> ValidateSeen() => (await keys.Validator.ValidateAsync(seen)).Reason;

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
