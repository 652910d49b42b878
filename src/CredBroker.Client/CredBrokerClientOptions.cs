namespace CredBroker.Client;

/// <summary>
/// How a <see cref="CredBrokerClient"/> reaches the broker and proves who it is. Checked when the
/// client is built (with <c>ValidateOnStart</c> under a host): a bad setting fails at start, not at
/// the first grant an agent needs.
/// </summary>
public sealed class CredBrokerClientOptions
{
    /// <summary>The broker's gRPC address; <c>https</c> uses TLS. Default: <c>http://127.0.0.1:5080</c>, the dev broker's.</summary>
    public Uri Address { get; set; } = new("http://127.0.0.1:5080");

    /// <summary>
    /// A fixed identity token (SPIFFE JWT-SVID or OIDC) sent as <c>authorization: Bearer</c>. Default: null.
    /// Set exactly one of this, <see cref="IdentityTokenFile"/> and <see cref="IdentityTokenProvider"/>.
    /// </summary>
    public string? IdentityToken { get; set; }

    /// <summary>
    /// A file holding the identity token, re-read whenever it changes (as the SPIFFE helper and
    /// Kubernetes projected tokens rotate it). Default: null.
    /// </summary>
    public string? IdentityTokenFile { get; set; }

    /// <summary>Asked for the identity token before every call, e.g. to fetch one from a workload API. Default: null.</summary>
    public Func<CancellationToken, ValueTask<string>>? IdentityTokenProvider { get; set; }

    /// <summary>
    /// How long before a cached grant expires a new one is requested, so a token handed out is never
    /// about to die in the caller's hands. Grants shorter than twice this are refreshed at half their
    /// lifetime instead. Default: 30 seconds.
    /// </summary>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline of each call to the broker. Default: 10 seconds.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Allows an <c>http</c> address that is not loopback. Default: false, because the identity token
    /// travels in every call and anyone on a cleartext path could replay it.
    /// </summary>
    public bool AllowCleartext { get; set; }
}
