using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CredBroker.Core.Identity;

/// <summary>Chain building against a fixed set of roots, never the machine's trust store.</summary>
public static class CertificateChains
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Loads every certificate of a PEM file; a file with none is an error.</summary>
    public static X509Certificate2Collection LoadPem(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates.Count > 0 ? certificates : throw new CryptographicException($"'{path}' holds no PEM certificate");
    }

    /// <summary>
    /// Whether <paramref name="leaf"/> chains to one of <paramref name="roots"/> at <paramref name="now"/>.
    /// Certificates in <paramref name="roots"/> that are not self-signed serve as intermediates.
    /// </summary>
    /// <param name="clientAuthentication">Require the client-authentication purpose where the chain states purposes.</param>
    public static bool ChainsTo(X509Certificate2 leaf, X509Certificate2Collection roots, IEnumerable<X509Certificate2> extra, DateTimeOffset now, bool clientAuthentication)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(roots);
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        foreach (var certificate in roots)
        {
            (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? policy.CustomTrustStore : policy.ExtraStore).Add(certificate);
        }

        foreach (var certificate in extra)
        {
            policy.ExtraStore.Add(certificate);
        }

        // SPIFFE and private CAs publish no CRLs; short lifetimes take their place.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.VerificationTime = now.UtcDateTime;
        if (clientAuthentication)
        {
            policy.ApplicationPolicy.Add(ClientAuthentication);
        }

        return chain.Build(leaf);
    }
}
