namespace CredBroker.Core.Tasks;

/// <summary>
/// A task's fence. An opened task fixes its workload, owner, purpose, tool envelope and deadline;
/// a task first used without being opened belongs to the workload that used it first, with no
/// envelope or deadline beyond policy.
/// </summary>
/// <param name="Opened">True when an orchestrator opened it; false when first use claimed it.</param>
/// <param name="Tools">The envelope: grants may name only these tools. Empty for a claimed task.</param>
/// <param name="Deadline">No grant of the task outlives this (invariant 5). Null for a claimed task.</param>
public sealed record TaskRecord(
    string TaskId,
    string WorkloadId,
    string Owner,
    string Purpose,
    IReadOnlyList<string> Tools,
    bool Opened,
    DateTimeOffset OpenedAt,
    DateTimeOffset? Deadline);

/// <summary>A task as read back: its fence (null when no grant or open ever touched it), its revocation, and how many grants live.</summary>
public sealed record TaskView(string TaskId, TaskRecord? Record, DateTimeOffset? RevokedAt, long LiveGrants, DateTimeOffset Now);
