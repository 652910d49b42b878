using CredBroker.Core.Grants;
using CredBroker.Core.SigningKeys;
using CredBroker.Core.Tokens;
using CredBroker.LoadTest.Broker;
using Microsoft.Extensions.Options;

namespace CredBroker.Benchmarks;

/// <summary>A signing key ring in a temp directory, the issuer and validator over it, and a grant like the broker's.</summary>
public sealed class BenchKeys : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("credbroker-benchmarks-").FullName;

    public BenchKeys()
    {
        Ring = new SigningKeyRing(Options.Create(new SigningKeyOptions { KeyDirectory = directory }), TimeProvider.System, TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(30));
        Issuer = new AccessTokenIssuer(Ring, BenchBroker.Issuer);
        Validator = new AccessTokenValidator(BenchBroker.Issuer, kid => Ring.Find(kid)?.SecurityKey, BenchPolicy.Audience, TimeSpan.FromSeconds(30), TimeProvider.System);
    }

    public SigningKeyRing Ring { get; }

    public AccessTokenIssuer Issuer { get; }

    public AccessTokenValidator Validator { get; }

    public static GrantRecord Grant()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return new GrantRecord(GrantIds.New(), "t-benchmark-task-42", BenchPolicy.Agent, "team-bench", "triage ticket 42",
            [BenchPolicy.Tools[0]], BenchPolicy.Audience, now, now + TimeSpan.FromMinutes(10));
    }

    public void Dispose()
    {
        Ring.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
