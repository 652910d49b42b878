namespace CredBroker.Server.Configuration;

/// <summary>TLS for the broker's listeners and X.509-SVID client certificates (section <c>CredBroker:Tls</c>); validated on start.</summary>
public sealed class TlsOptions
{
    public const string Section = "CredBroker:Tls";

    /// <summary>
    /// PEM file with the server certificate, optionally followed by its intermediates, used on every
    /// <c>https</c> listener. Default: none (Kestrel's default certificate: <c>Kestrel:Certificates:Default</c>
    /// or the ASP.NET Core development certificate).
    /// </summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM file with the private key of <see cref="CertificateFile"/>. Default: none (the key is read from <see cref="CertificateFile"/>).</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// The X.509 trust bundle of each SPIFFE trust domain whose workloads may authenticate with a
    /// client certificate (mTLS). When any is set, <c>https</c> listeners ask for a client certificate.
    /// Default: none (client certificates are not asked for).
    /// </summary>
    public IList<TrustBundleOptions> TrustBundles { get; } = [];

    /// <summary>Refuse TLS connections that present no client certificate. Default: false (a bearer identity token still works).</summary>
    public bool RequireClientCertificate { get; set; }
}

/// <summary>One trust domain's CA certificates (<c>CredBroker:Tls:TrustBundles:N</c>).</summary>
public sealed class TrustBundleOptions
{
    /// <summary>The SPIFFE trust domain, e.g. <c>example.org</c>; its bundle vouches for no other. Default: none; required.</summary>
    public string? TrustDomain { get; set; }

    /// <summary>PEM file of the domain's root CAs (and any intermediates that sign its X.509-SVIDs). Default: none; required.</summary>
    public string? CaFile { get; set; }
}
