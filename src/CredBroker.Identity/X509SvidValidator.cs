using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CredBroker.Core.Identity;

/// <summary>A trust domain's X.509 roots (and any intermediates), as in a SPIFFE trust bundle.</summary>
public sealed record TrustBundle(string TrustDomain, X509Certificate2Collection Certificates);

/// <summary>
/// Authenticates a TLS client certificate as an X.509-SVID (SPIFFE X509-SVID spec): exactly one
/// URI SAN that is a workload SPIFFE ID, a leaf (not a CA) fit for signatures, chaining at this
/// moment to the bundle of the ID's own trust domain. A CA of one trust domain never vouches for another.
/// </summary>
public sealed class X509SvidValidator(IEnumerable<TrustBundle> bundles, TimeProvider time)
{
    public const string IssuerPrefix = "x509-svid:";

    private const string SubjectAlternativeName = "2.5.29.17";
    private static readonly Asn1Tag UriName = new(TagClass.ContextSpecific, 6);

    private readonly Dictionary<string, TrustBundle> byDomain = bundles.ToDictionary(b => b.TrustDomain, StringComparer.Ordinal);

    public bool HasTrustBundles => byDomain.Count > 0;

    public IdentityValidation Validate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (byDomain.Count == 0)
        {
            return IdentityValidation.Fail("client certificates are not trusted by this broker (no CredBroker:Tls:TrustBundles); send 'authorization: Bearer <identity token>'");
        }

        if (LeafProblem(certificate) is { } leafProblem)
        {
            return IdentityValidation.Fail(leafProblem);
        }

        var uris = UriNames(certificate);
        if (uris is null || uris.Count == 0)
        {
            return IdentityValidation.Fail("client certificate has no SPIFFE ID (URI SAN), so it is not an X.509-SVID");
        }

        if (uris.Count > 1)
        {
            return IdentityValidation.Fail("client certificate has several URI SANs; an X.509-SVID has exactly one");
        }

        var id = uris[0];
        if (!SpiffeId.IsValid(id) || !id.AsSpan("spiffe://".Length).Contains('/'))
        {
            return IdentityValidation.Fail("client certificate URI SAN is not a workload SPIFFE ID (spiffe://trust-domain/path)");
        }

        var domain = SpiffeId.TrustDomain(id);
        if (!byDomain.TryGetValue(domain, out var bundle))
        {
            return IdentityValidation.Fail($"no trust bundle is configured for trust domain {domain}");
        }

        var now = time.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return IdentityValidation.Fail("client certificate is expired or not yet valid");
        }

        if (!CertificateChains.ChainsTo(certificate, bundle.Certificates, [], now, clientAuthentication: true))
        {
            return IdentityValidation.Fail($"client certificate does not chain to the trust bundle of {domain}");
        }

        return IdentityValidation.Success(new WorkloadIdentity(id, IssuerPrefix + domain, certificate.NotAfter.ToUniversalTime()));
    }

    private static string? LeafProblem(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            switch (extension)
            {
                case X509BasicConstraintsExtension { CertificateAuthority: true }:
                    return "client certificate is a CA certificate, not an X.509-SVID";
                case X509KeyUsageExtension usage when (usage.KeyUsages & X509KeyUsageFlags.DigitalSignature) == 0
                    || (usage.KeyUsages & (X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign)) != 0:
                    return "client certificate key usage is not an X.509-SVID's (digitalSignature, no certificate signing)";
            }
        }

        return null;
    }

    /// <summary>The URI names of the SAN extension; null when it cannot be read (refused like no SAN).</summary>
    private static List<string>? UriNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions[SubjectAlternativeName];
        if (san is null)
        {
            return [];
        }

        try
        {
            var names = new List<string>();
            var sequence = new AsnReader(san.RawData, AsnEncodingRules.DER).ReadSequence();
            while (sequence.HasData)
            {
                if (sequence.PeekTag() == UriName)
                {
                    names.Add(sequence.ReadCharacterString(UniversalTagNumber.IA5String, UriName));
                }
                else
                {
                    sequence.ReadEncodedValue();
                }
            }

            return names;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return null;
        }
    }
}
