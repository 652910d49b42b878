namespace CredBroker.Core.Grants;

/// <summary>
/// A grant the policy allowed, before the store fixes its times. The store stamps
/// <c>iat</c> from its own clock (invariant 4) and computes <c>exp</c> = <c>iat</c> + <see cref="Ttl"/>,
/// cut at <see cref="NotAfter"/> (the task deadline; invariant 5).
/// </summary>
public sealed record GrantDraft(
    string GrantId,
    string TaskId,
    string WorkloadId,
    string Owner,
    string Purpose,
    IReadOnlyList<string> Tools,
    string Audience,
    TimeSpan Ttl,
    DateTimeOffset? NotAfter)
{
    /// <summary>
    /// The store records nothing once its clock passes this (the caller's deadline or the broker's own
    /// budget, by the broker's clock): a write that arrives after the caller gave up would be a record
    /// with no token. Null: no bound.
    /// </summary>
    public DateTimeOffset? WriteBy { get; init; }

    /// <summary>
    /// The workload's caps, checked and counted by the store in the same atomic step as the insert, so
    /// a refused insert counts nothing and a counted grant is always stored. Null: no caps.
    /// </summary>
    public GrantQuota? Quota { get; init; }

    /// <summary>A delegated grant's chain; null for a grant from <c>RequestGrant</c>.</summary>
    public DelegationChain? Delegation { get; init; }

    /// <summary>
    /// The parent token's <c>exp</c> for a delegated grant: <c>exp</c> is cut at it, so a child never
    /// outlives its parent. Stores cut at it exactly as <see cref="Stamp"/>. Null: no parent.
    /// </summary>
    public DateTimeOffset? ParentExpiresAt { get; init; }

    /// <summary>Every workload whose standing rule (a quarantine) refuses this grant: its own and each actor of its chain.</summary>
    public IEnumerable<string> RuleWorkloads => Delegation is { } chain ? chain.Actors.Prepend(WorkloadId) : [WorkloadId];

    public GrantRecord Stamp(DateTimeOffset issuedAt)
    {
        // Whole seconds: JWT times are NumericDate seconds, and the record must agree with the token.
        var iat = DateTimeOffset.FromUnixTimeSeconds(issuedAt.ToUnixTimeSeconds());
        var exp = iat + TimeSpan.FromSeconds(Math.Max(1, (long)Ttl.TotalSeconds));
        if (NotAfter is { } deadline && deadline < exp)
        {
            exp = DateTimeOffset.FromUnixTimeSeconds(deadline.ToUnixTimeSeconds());
        }

        if (ParentExpiresAt is { } parentExp && parentExp.ToUnixTimeSeconds() < exp.ToUnixTimeSeconds())
        {
            exp = DateTimeOffset.FromUnixTimeSeconds(parentExp.ToUnixTimeSeconds());
        }

        return new GrantRecord(GrantId, TaskId, WorkloadId, Owner, Purpose, Tools, Audience, iat, exp) { Delegation = Delegation, Holder = Delegation?.Holder };
    }
}
