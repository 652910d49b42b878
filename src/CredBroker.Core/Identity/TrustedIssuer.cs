using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Identity;

/// <summary>An identity issuer the broker believes, with the keys and trust domains it may use.</summary>
/// <param name="Issuer">The exact <c>iss</c> of its tokens.</param>
/// <param name="Audience">The <c>aud</c> its tokens must carry: the broker's own.</param>
/// <param name="ResolveKey">Its keys by exact <c>kid</c>; never another issuer's.</param>
/// <param name="Algorithms">Asymmetric algorithms it signs with.</param>
/// <param name="TrustDomains">SPIFFE trust domains it may vouch for; empty means any.</param>
public sealed record TrustedIssuer(
    string Issuer,
    string Audience,
    Func<string, SecurityKey?> ResolveKey,
    IReadOnlyList<string> Algorithms,
    IReadOnlyList<string> TrustDomains);
