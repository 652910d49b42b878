using CredBroker.Core.Tokens;

namespace CredBroker.Verifier;

/// <summary>The verifier's answer: the token's claims when it may be used, or why not.</summary>
/// <param name="Claims">The token's claims when it may be used; null when refused.</param>
/// <param name="Failure">The kind of refusal; null when valid.</param>
/// <param name="Message">A sentence a person can act on; never quotes the token.</param>
public sealed record TokenVerification(AccessTokenClaims? Claims, TokenFailure? Failure, string? Message)
{
    /// <summary>Whether the token may be used: <see cref="Claims"/> is set, and <see cref="Failure"/> and <see cref="Message"/> are null.</summary>
    public bool IsValid => Claims is not null;

    internal static TokenVerification Valid(AccessTokenClaims claims) => new(claims, null, null);

    internal static TokenVerification Refused(TokenFailure failure, string message) => new(null, failure, message);

    /// <summary>Whether the refusal says nothing about the token, only that the verifier could not decide (retry later).</summary>
    public bool IsUndecided => Failure is TokenFailure.Stale or TokenFailure.Unavailable;
}
