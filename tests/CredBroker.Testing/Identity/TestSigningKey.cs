using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CredBroker.Testing.Broker;

namespace CredBroker.Testing.Identity;

/// <summary>A signing key of a test identity issuer, with its public JWK; signs by hand so tests can shape any token.</summary>
public abstract class TestSigningKey : IDisposable
{
    protected TestSigningKey(string kid, string alg)
    {
        Kid = kid;
        Alg = alg;
    }

    public string Kid { get; }

    public string Alg { get; }

    public abstract JsonObject PublicJwk();

    /// <summary>The public key as PEM (SubjectPublicKeyInfo): what an algorithm-confusion attacker uses as an HMAC secret.</summary>
    public abstract string PublicKeyPem();

    public abstract byte[] Sign(byte[] signingInput);

    public static TestSigningKey Ec(string kid) => new EcKey(kid);

    public static TestSigningKey Rsa(string kid) => new RsaKey(kid);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    private sealed class EcKey(string kid) : TestSigningKey(kid, "ES256")
    {
        private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public override JsonObject PublicJwk()
        {
            var q = key.ExportParameters(false).Q;
            return new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = TokenParts.Encode(q.X!), ["y"] = TokenParts.Encode(q.Y!), ["kid"] = Kid, ["use"] = "sig", ["alg"] = Alg };
        }

        public override string PublicKeyPem() => key.ExportSubjectPublicKeyInfoPem();

        // JWS wants the raw r||s form (RFC 7518 section 3.4), which is .NET's default for ECDsa.
        public override byte[] Sign(byte[] signingInput) => key.SignData(signingInput, HashAlgorithmName.SHA256);

        protected override void Dispose(bool disposing) => key.Dispose();
    }

    private sealed class RsaKey(string kid) : TestSigningKey(kid, "RS256")
    {
        private readonly RSA key = RSA.Create(2048);

        public override string PublicKeyPem() => key.ExportSubjectPublicKeyInfoPem();

        public override JsonObject PublicJwk()
        {
            var p = key.ExportParameters(false);
            return new JsonObject { ["kty"] = "RSA", ["n"] = TokenParts.Encode(p.Modulus!), ["e"] = TokenParts.Encode(p.Exponent!), ["kid"] = Kid, ["use"] = "sig", ["alg"] = Alg };
        }

        public override byte[] Sign(byte[] signingInput) => key.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        protected override void Dispose(bool disposing) => key.Dispose();
    }
}
