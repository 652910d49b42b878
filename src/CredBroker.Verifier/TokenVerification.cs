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

    /// <summary>
    /// A refusal of a token the broker did sign for this server and whose lifetime holds (tool not in scope, revoked,
    /// revocation view stale): <see cref="RefusedClaims"/> names its grant, so the refusal can be reported against it.
    /// </summary>
    internal static TokenVerification Refused(AccessTokenClaims claims, TokenFailure failure, string message) => new(null, failure, message) { RefusedClaims = claims };

    /// <summary>
    /// Set only on a refusal after the signature, issuer, audience and lifetime checked out: the grant the refused token
    /// is (its <c>jti</c>, task and workload), for reporting the refusal (<see cref="ToolUseReporter"/>). Never a
    /// reason to honour the token: <see cref="Claims"/> stays null. Null for a token that did not verify, whose
    /// claims nobody vouches for.
    /// </summary>
    public AccessTokenClaims? RefusedClaims { get; init; }

    /// <summary>Whether the refusal says nothing about the token, only that the verifier could not decide (retry later).</summary>
    public bool IsUndecided => Failure is TokenFailure.Stale or TokenFailure.Unavailable;
}
