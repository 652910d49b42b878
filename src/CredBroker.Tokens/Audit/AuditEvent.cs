namespace CredBroker.Core.Audit;

/// <summary>
/// One sealed entry of the tamper-evident audit log (invariant 6): who did what, with which access,
/// and why. <see cref="Hash"/> is the SHA-256 of the canonical form (<see cref="AuditCanonical"/>),
/// which includes <see cref="PrevHash"/>, so editing, deleting or reordering an event breaks the chain.
/// </summary>
/// <param name="Seq">Position in its sink's chain, from 1.</param>
/// <param name="Id">The event's id; the same in every sink that took it.</param>
/// <param name="Time">When it was recorded, by the store's clock.</param>
/// <param name="Kind">What happened, one of <see cref="AuditKinds"/>.</param>
/// <param name="Decision">The outcome: <c>allow</c>, <c>permission_denied</c>, <c>revoked</c>, a tool's reported outcome...</param>
/// <param name="Caller">The authenticated identity that made the call; <c>broker</c> for the broker's own actions.</param>
/// <param name="RequestId">The id of the call that caused it, to correlate with the broker's logs.</param>
/// <param name="WorkloadId">The workload it concerns; empty when none.</param>
/// <param name="Owner">Who is accountable for the task; empty when none.</param>
/// <param name="TaskId">The task it concerns; empty when none.</param>
/// <param name="Purpose">The purpose stated for the grant or task; empty when none.</param>
/// <param name="Tools">The tools concerned; empty when none.</param>
/// <param name="GrantId">The grant concerned; empty when none.</param>
/// <param name="Reason">Why, in words: the policy rule, the revocation reason, the refusal.</param>
/// <param name="Evidence">Facts behind the decision (counts, rule names, actions taken), sorted by key when hashed.</param>
/// <param name="PrevHash">The previous event's <see cref="Hash"/>; the genesis hash for the first.</param>
/// <param name="Hash">The SHA-256 of this event's canonical form, lowercase hex.</param>
public sealed record AuditEvent(
    long Seq,
    string Id,
    DateTimeOffset Time,
    string Kind,
    string Decision,
    string Caller,
    string RequestId,
    string WorkloadId,
    string Owner,
    string TaskId,
    string Purpose,
    IReadOnlyList<string> Tools,
    string GrantId,
    string Reason,
    IReadOnlyDictionary<string, string> Evidence,
    string PrevHash,
    string Hash)
{
    /// <summary>
    /// The W3C trace id (32 lowercase hex digits) of the call that made the decision; empty outside a trace.
    /// Hashed only when set, so events written before the field existed keep their hashes.
    /// </summary>
    public string TraceId { get; init; } = string.Empty;
}
