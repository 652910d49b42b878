using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.SigningKeys;

/// <summary>An ES256 (P-256) key the broker signs with, named by its RFC 7638 thumbprint.</summary>
public sealed class SigningKey : IDisposable
{
    public SigningKey(ECDsa key, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.KeySize != 256)
        {
            throw new ArgumentException("signing keys are P-256 (ES256)", nameof(key));
        }

        Key = key;
        CreatedAt = createdAt;
        var parameters = key.ExportParameters(includePrivateParameters: false);
        X = Base64Url.Encode(parameters.Q.X);
        Y = Base64Url.Encode(parameters.Q.Y);
        Kid = Thumbprint(X, Y);
        // A factory per key: IdentityModel's shared factory caches signature providers by key
        // material, so a disposed twin of this key (another host in the process) would be reused.
        SecurityKey = new ECDsaSecurityKey(key) { KeyId = Kid, CryptoProviderFactory = new CryptoProviderFactory() };
        Credentials = new SigningCredentials(SecurityKey, SecurityAlgorithms.EcdsaSha256);
    }

    public ECDsa Key { get; }

    /// <summary>RFC 7638 JWK thumbprint: verifiers resolve keys by this exact value.</summary>
    public string Kid { get; }

    public DateTimeOffset CreatedAt { get; }

    public string X { get; }

    public string Y { get; }

    public ECDsaSecurityKey SecurityKey { get; }

    public SigningCredentials Credentials { get; }

    public static SigningKey Generate(DateTimeOffset createdAt) => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), createdAt);

    /// <summary>The RFC 7638 thumbprint of the P-256 key with coordinates <paramref name="x"/> and <paramref name="y"/> (base64url).</summary>
    public static string Thumbprint(string x, string y) => JwkThumbprint.OfP256(x, y);

    public void Dispose() => Key.Dispose();
}
