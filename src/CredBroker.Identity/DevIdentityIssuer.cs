using System.Security.Cryptography;
using CredBroker.Core.SigningKeys;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Identity;

/// <summary>
/// A local identity issuer for development: it signs JWT-SVID-shaped identity tokens with a key
/// kept beside the signing keys. Off unless the broker runs in the dev profile.
/// </summary>
public sealed class DevIdentityIssuer : IDisposable
{
    public const string IssuerName = "credbroker-dev-identity";
    private const string KeyName = "dev-identity";

    private readonly ECDsa key;
    private readonly ECDsaSecurityKey securityKey;
    private readonly TimeProvider time;
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public DevIdentityIssuer(string keyDirectory, string audience, TimeProvider time)
    {
        this.time = time;
        Audience = audience;
        var directory = new KeyDirectory(keyDirectory);
        KeyDirectory = directory.Path;
        key = directory.LoadOrCreate(KeyName, out _);
        var q = key.ExportParameters(false).Q;
        securityKey = new ECDsaSecurityKey(key)
        {
            KeyId = SigningKey.Thumbprint(Base64Url.Encode(q.X), Base64Url.Encode(q.Y)),
            CryptoProviderFactory = new CryptoProviderFactory(),
        };
    }

    public string Audience { get; }

    /// <summary>The directory holding this issuer's key (beside the signing keys).</summary>
    public string KeyDirectory { get; }

    /// <summary>Trusts this issuer for any trust domain: it is for local use only, never beside real workloads.</summary>
    public TrustedIssuer Trust() => new()
    {
        Issuer = IssuerName,
        Audience = Audience,
        Keys = new StaticIssuerKeys([new IssuerKey(securityKey, SecurityAlgorithms.EcdsaSha256)]),
        Algorithms = [SecurityAlgorithms.EcdsaSha256],
        // An identity minted with another key directory (another broker's `dev identity`) fails here; say where this one looks.
        KeySource = $"the key directory {KeyDirectory} (mint identities with `credbroker-server dev identity --dev` run with the same key directory)",
    };

    public string Issue(string spiffeId, TimeSpan lifetime)
    {
        if (!SpiffeId.IsValid(spiffeId))
        {
            throw new ArgumentException($"'{spiffeId}' is not a SPIFFE ID (spiffe://trust-domain/path)", nameof(spiffeId));
        }

        var now = time.GetUtcNow().UtcDateTime;
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IssuerName,
            Audience = Audience,
            Subject = null,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            TokenType = "JWT",
            SigningCredentials = new SigningCredentials(securityKey, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["sub"] = spiffeId,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        });
    }

    public void Dispose() => key.Dispose();
}
