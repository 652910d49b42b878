using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using CredBroker.Core.Grants;

namespace CredBroker.Benchmarks;

/// <summary>Minting an access token against the raw ES256 signature it contains (target: ≤ 1.3×).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "BenchmarkDotNet releases it in [GlobalCleanup]")]
public class TokenMintingBenchmarks
{
    private BenchKeys keys = null!;
    private GrantRecord grant = null!;
    private byte[] signingInput = null!;

    [GlobalSetup]
    public void Setup()
    {
        keys = new BenchKeys();
        grant = BenchKeys.Grant();
        // The same bytes the token signs: header.payload of a real token.
        var token = keys.Issuer.Mint(grant);
        signingInput = Encoding.ASCII.GetBytes(token[..token.LastIndexOf('.')]);
    }

    [GlobalCleanup]
    public void Cleanup() => keys.Dispose();

    [Benchmark(Baseline = true, Description = "ECDsa.SignData P-256 SHA-256")]
    public byte[] RawSignData() => keys.Ring.Active.Key.SignData(signingInput, HashAlgorithmName.SHA256);

    [Benchmark(Description = "AccessTokenIssuer.Mint")]
    public string Mint() => keys.Issuer.Mint(grant);
}
