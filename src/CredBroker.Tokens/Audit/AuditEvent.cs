namespace CredBroker.Core.Audit;

/// <summary>
/// One sealed entry of the tamper-evident audit log (invariant 6): who did what, with which access,
/// and why. <see cref="Hash"/> is the SHA-256 of the canonical form (<see cref="AuditCanonical"/>),
/// which includes <see cref="PrevHash"/>, so editing, deleting or reordering an event breaks the chain.
/// </summary>
/// <param name="Seq">Position in its sink's chain, from 1.</param>
/// <param name="Id">The event's id; the same in every sink that took it.</param>
/// <param name="Kind">What happened, one of <see cref="AuditKinds"/>.</param>
/// <param name="Decision">The outcome: <c>allow</c>, <c>permission_denied</c>, <c>revoked</c>, a tool's reported outcome...</param>
/// <param name="Caller">The authenticated identity that made the call; <c>broker</c> for the broker's own actions.</param>
/// <param name="Evidence">Facts behind the decision (counts, rule names, actions taken), sorted by key when hashed.</param>
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
