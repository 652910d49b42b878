using Microsoft.AspNetCore.Authentication;

namespace CredBroker.Verifier.AspNetCore;

/// <summary>Options of the CredBroker authentication scheme. The token checks themselves are configured by <c>AddCredBrokerVerifier</c>.</summary>
public sealed class CredBrokerTokenOptions : AuthenticationSchemeOptions
{
    /// <summary>The <c>realm</c> in <c>WWW-Authenticate</c> challenges. Default: none.</summary>
    public string? Realm { get; set; }
}
