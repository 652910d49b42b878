namespace CredBroker.Core.Identity;

/// <summary>An identity issuer the broker believes, with the keys and trust domains it may use.</summary>
public sealed class TrustedIssuer
{
    /// <summary>The exact <c>iss</c> of its tokens.</summary>
    public required string Issuer { get; init; }

    /// <summary>The <c>aud</c> its tokens must carry: the broker's own, and only that.</summary>
    public required string Audience { get; init; }

    /// <summary>Its keys by exact <c>kid</c>; never another issuer's.</summary>
    public required IIssuerKeys Keys { get; init; }

    /// <summary>Asymmetric algorithms it signs with.</summary>
    public required IReadOnlyList<string> Algorithms { get; init; }

    /// <summary>SPIFFE trust domains it may vouch for. Empty means any, which only the dev issuer gets.</summary>
    public IReadOnlyList<string> TrustDomains { get; init; } = [];

    /// <summary>The claim naming the workload.</summary>
    public string SubjectClaim { get; init; } = "sub";

    /// <summary>When set, the workload is <c>spiffe://&lt;this&gt;/&lt;claim value&gt;</c> (plain OIDC issuers).</summary>
    public string? SubjectTrustDomain { get; init; }

    /// <summary>
    /// Where the broker reads this issuer's keys (a file, a URL, the dev key directory), for the message that
    /// refuses a token signed by a key it does not know: most often one minted against another key directory.
    /// </summary>
    public string? KeySource { get; init; }

    /// <summary>The workload a validated token speaks for, or why it speaks for none.</summary>
    public (string? Id, string? Failure) Subject(string? claimValue)
    {
        if (string.IsNullOrEmpty(claimValue))
        {
            return (null, $"identity token has no '{SubjectClaim}' claim naming the workload");
        }

        var id = SubjectTrustDomain is null ? claimValue : $"spiffe://{SubjectTrustDomain}/{claimValue}";
        if (!SpiffeId.IsValid(id) || !id.AsSpan("spiffe://".Length).Contains('/'))
        {
            return (null, SubjectTrustDomain is null
                ? $"identity token claim '{SubjectClaim}' is not a workload SPIFFE ID (spiffe://trust-domain/path)"
                : $"identity token claim '{SubjectClaim}' cannot form a SPIFFE ID under spiffe://{SubjectTrustDomain}/ (path segments of letters, digits, '.', '-', '_')");
        }

        var domain = SpiffeId.TrustDomain(id);
        if (TrustDomains.Count > 0 && !TrustDomains.Contains(domain, StringComparer.Ordinal))
        {
            return (null, $"issuer {Issuer} may not vouch for trust domain {domain}");
        }

        return (id, null);
    }
}
