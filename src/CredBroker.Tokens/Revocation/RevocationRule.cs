using CredBroker.Core.Tokens;

namespace CredBroker.Core.Revocation;

/// <summary>What a revocation rule is keyed on. Every kind is keyed on claims, never on token bytes.</summary>
public enum RevocationKind
{
    /// <summary>One grant: subject is the token's <c>jti</c>, or any of its <c>ancestor_jtis</c> (revoking a grant revokes its delegations).</summary>
    Grant,
    /// <summary>One task: subject is the <c>task_id</c>.</summary>
    Task,
    /// <summary>One workload: subject is the <c>sub</c>, or any actor of its <c>act</c> chain.</summary>
    Workload,
    /// <summary>One tool: subject is a tool name in <c>scope</c>.</summary>
    Tool,
    /// <summary>Every token (the kill switch, or a wiped store); subject is empty.</summary>
    All,
}

/// <summary>
/// A revocation. It covers every token it matches whose <c>iat</c> is before the moment it is
/// lifted, and every matching token while it stands (invariant 4), so a token minted in flight
/// while the rule was being written is covered too. Shared by broker and verifier so they agree.
/// </summary>
/// <param name="Kind">What the rule is keyed on.</param>
/// <param name="Subject">The <c>jti</c>, <c>task_id</c>, <c>sub</c> or tool it names, per <paramref name="Kind"/>; empty for <see cref="RevocationKind.All"/>.</param>
/// <param name="RevokedAt">When the rule took effect, by the store's clock.</param>
/// <param name="LiftedAt">When the rule stops covering new tokens; null while it stands.</param>
/// <param name="Reason">Why, as the operator or broker gave it.</param>
/// <param name="By">Who made the rule (an operator's identity, or the broker itself).</param>
/// <param name="ExpiresAt">When no token it could cover can still be alive, so it may be forgotten; null for never (a standing kill switch).</param>
public sealed record RevocationRule(
    RevocationKind Kind,
    string Subject,
    DateTimeOffset RevokedAt,
    DateTimeOffset? LiftedAt,
    string Reason,
    DateTimeOffset? ExpiresAt,
    string By = "")
{
    /// <summary>
    /// Whether the rule is about <paramref name="token"/>, whatever its times. A delegated token is
    /// matched by a grant rule on any ancestor and a workload rule on any actor of its chain, so a
    /// revocation cascades down a delegation tree by rule, never by walking it.
    /// </summary>
    internal bool Matches(AccessTokenClaims token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Kind switch
        {
            RevocationKind.Grant => string.Equals(token.JwtId, Subject, StringComparison.Ordinal) || token.Ancestors.Contains(Subject, StringComparer.Ordinal),
            RevocationKind.Task => string.Equals(token.TaskId, Subject, StringComparison.Ordinal),
            RevocationKind.Workload => string.Equals(token.Subject, Subject, StringComparison.Ordinal) || token.Actors.Contains(Subject, StringComparer.Ordinal),
            RevocationKind.Tool => token.Scope.Contains(Subject, StringComparer.Ordinal),
            RevocationKind.All => true,
            _ => false,
        };
    }

    /// <summary>Whether this rule kills <paramref name="token"/>.</summary>
    internal bool Covers(AccessTokenClaims token) => Matches(token) && CoversIssuedAt(token.IssuedAt);

    /// <summary>
    /// <c>iat</c> has whole seconds, the lift time milliseconds: a token whose <c>iat</c> second is
    /// before the lift is covered, so a token minted in the lift's own second, before it, cannot survive.
    /// </summary>
    internal bool CoversIssuedAt(DateTimeOffset issuedAt) => LiftedAt is not { } lifted || issuedAt < lifted;

    /// <summary>Whether the rule still refuses new grants at <paramref name="now"/>.</summary>
    internal bool StandsAt(DateTimeOffset now) => LiftedAt is not { } lifted || lifted > now;

    /// <summary>The key a rule replaces an earlier one under: a later rule of the same kind and subject supersedes it.</summary>
    internal string Key => $"{Kind}:{Subject}";
}
