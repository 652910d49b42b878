namespace CredBroker.Core.Identity;

/// <summary>Which identity issuers the broker believes (section <c>CredBroker:Identity</c>); validated on start.</summary>
public sealed class IdentityOptions
{
    public const string Section = "CredBroker:Identity";

    /// <summary>
    /// The trusted issuers of JWT-SVIDs and OIDC tokens. Default: none. With none, callers can
    /// authenticate only by client certificate (<c>CredBroker:Tls:TrustBundles</c>) or, for local
    /// use, through the dev issuer (<c>CredBroker:DevIdentities</c>); the broker refuses to start
    /// with no way in at all.
    /// </summary>
    public IList<IdentityIssuerOptions> Issuers { get; } = [];

    /// <summary>
    /// Accept each identity token once only: its <c>jti</c> must be present and never seen before
    /// within the token's lifetime (remembered in the store, so every replica agrees). Default: false,
    /// because JWT-SVIDs are normally reused by a workload until they expire.
    /// </summary>
    public bool RequireUniqueJti { get; set; }

    /// <summary>
    /// The longest life an identity token may have, <c>exp</c> minus <c>iat</c> (without <c>iat</c>, from now).
    /// A token meant to live for months is a password in all but name. Default: 24 hours (SPIRE's
    /// JWT-SVIDs live minutes); at least 1 minute, at most 30 days.
    /// </summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a validated identity token is remembered before it is checked again in full. An entry is
    /// dropped sooner when the token expires or its issuer stops publishing the key that signed it.
    /// Default: 60 seconds; at most 10 minutes, or zero to check every call.
    /// </summary>
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>One trusted identity issuer (<c>CredBroker:Identity:Issuers:N</c>).</summary>
public sealed class IdentityIssuerOptions
{
    /// <summary>
    /// Asymmetric JWS algorithms (RFC 7518 section 3.1). HMAC and <c>none</c> are refused at start:
    /// an HMAC "public key" is a shared secret anyone holding the JWKS could sign with.
    /// </summary>
    public static readonly IReadOnlyList<string> AsymmetricAlgorithms =
        ["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];

    /// <summary>The exact <c>iss</c> of its tokens. Default: none; required, unique, and never the broker's own <c>CredBroker:Issuer</c>.</summary>
    public string? Issuer { get; set; }

    /// <summary>A JWKS (or SPIFFE bundle) file, re-read every <see cref="RefreshInterval"/>. Default: none; set this or <see cref="JwksUri"/>, not both.</summary>
    public string? JwksFile { get; set; }

    /// <summary>An <c>https</c> URL of the issuer's JWKS, fetched at start and every <see cref="RefreshInterval"/>. Default: none; set this or <see cref="JwksFile"/>.</summary>
    public string? JwksUri { get; set; }

    /// <summary>
    /// PEM file of the CA certificates that the <see cref="JwksUri"/> server's certificate must chain to,
    /// instead of the system's trust store. Default: none (the system trust store).
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>The <c>aud</c> its tokens must carry. Default: <c>CredBroker:IdentityAudience</c> (<c>credbroker</c>).</summary>
    public string? Audience { get; set; }

    /// <summary>The algorithms its tokens may use. Default: every one in <see cref="AsymmetricAlgorithms"/>; only those are allowed.</summary>
    public IList<string> Algorithms { get; } = [];

    /// <summary>SPIFFE trust domains it may vouch for, e.g. <c>example.org</c>. Default: none; at least one is required.</summary>
    public IList<string> TrustDomains { get; } = [];

    /// <summary>The claim naming the workload. Default: <c>sub</c>. For a plain OIDC issuer name another claim here.</summary>
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>
    /// For a plain OIDC issuer whose <see cref="SubjectClaim"/> is not a SPIFFE ID: the workload becomes
    /// <c>spiffe://&lt;SubjectTrustDomain&gt;/&lt;claim value&gt;</c>, and a value that cannot form a SPIFFE
    /// path is refused. Must be one of <see cref="TrustDomains"/>. Default: none (the claim must be a SPIFFE ID).
    /// </summary>
    public string? SubjectTrustDomain { get; set; }

    /// <summary>How often the key set is fetched again to learn about rotation. Default: 5 minutes; at least <see cref="MinRefreshInterval"/>.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The least time between two fetches. A token naming an unknown <c>kid</c> triggers a fetch at
    /// most this often, so forged kids cannot hammer the issuer. Default: 30 seconds; at least 1 second.
    /// </summary>
    public TimeSpan MinRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
