using CredBroker.Core.Identity;

namespace CredBroker.Core.Tokens;

/// <summary>The outcome of validating an access token: its claims, or why it was refused.</summary>
/// <param name="Reason">The kind of refusal; null when valid.</param>
/// <param name="Failure">A sentence a person can act on; never quotes the token.</param>
internal sealed record AccessTokenValidation(AccessTokenClaims? Claims, TokenFailure? Reason, string? Failure)
{
    public bool IsValid => Claims is not null;

    /// <summary>The <c>kid</c> of the key that verified the signature; set when valid.</summary>
    public string? KeyId { get; init; }

    /// <summary>The key that verified the signature, exactly as the key set handed it out; set when valid.</summary>
    public IssuerKey? Key { get; init; }

    public static AccessTokenValidation Success(AccessTokenClaims claims) => new(claims, null, null);

    public static AccessTokenValidation Fail(TokenFailure reason, string message) => new(null, reason, message);
}
