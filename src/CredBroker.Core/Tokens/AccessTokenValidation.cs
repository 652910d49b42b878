namespace CredBroker.Core.Tokens;

/// <summary>The outcome of validating an access token: its claims, or why it was refused.</summary>
/// <param name="Reason">The kind of refusal; null when valid.</param>
/// <param name="Failure">A sentence a person can act on; never quotes the token.</param>
public sealed record AccessTokenValidation(AccessTokenClaims? Claims, TokenFailure? Reason, string? Failure)
{
    public bool IsValid => Claims is not null;

    public static AccessTokenValidation Success(AccessTokenClaims claims) => new(claims, null, null);

    public static AccessTokenValidation Fail(TokenFailure reason, string message) => new(null, reason, message);
}
