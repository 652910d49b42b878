using Microsoft.AspNetCore.Authentication;

namespace CredBroker.Verifier.AspNetCore;

/// <summary>Options of the CredBroker authentication scheme. The token checks themselves are configured by <c>AddCredBrokerVerifier</c>.</summary>
public sealed class CredBrokerTokenOptions : AuthenticationSchemeOptions
{
    /// <summary>The <c>realm</c> in <c>WWW-Authenticate</c> challenges. Default: none.</summary>
    public string? Realm { get; set; }

    /// <summary>
    /// The RFC 9728 <c>resource</c> this server is: the audience its tokens carry, which clients send as RFC 8707
    /// <c>resource</c>. Default: the verifier's <c>Audience</c>.
    /// </summary>
    public string? Resource { get; set; }

    /// <summary>
    /// The RFC 9728 <c>authorization_servers</c>: where a client finds the broker's RFC 8414 metadata. Default: the
    /// verifier's <c>Issuer</c>; set it to the broker's HTTP listener when that is not the issuer URL.
    /// </summary>
    public IList<string> AuthorizationServers { get; } = [];

    /// <summary>
    /// Tools to list in <c>scopes_supported</c> besides those of endpoints that require one
    /// (<c>RequireCredBrokerTool</c>), which are found on their own. Default: none.
    /// </summary>
    public IList<string> Scopes { get; } = [];

    /// <summary>
    /// The absolute URL of this server's protected-resource metadata, sent as <c>resource_metadata</c> in every
    /// challenge (RFC 9728 section 5.1). Default: <see cref="ProtectedResourceMetadata.Path"/> (plus the resource's
    /// path, if it has one) on the request's own scheme and host; set it behind a proxy that rewrites them.
    /// </summary>
    public Uri? ResourceMetadataUri { get; set; }
}
