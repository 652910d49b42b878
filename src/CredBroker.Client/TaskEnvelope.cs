namespace CredBroker.Client;

/// <summary>What an orchestrator fences a task with: who may use it, why, with which tools, until when.</summary>
/// <param name="TaskId">The task id agents will name in their grant requests.</param>
/// <param name="WorkloadId">The one workload (SPIFFE ID) that may use the task.</param>
/// <param name="Purpose">Why the task exists, in words an auditor can read.</param>
/// <param name="Owner">The person or team answerable for it.</param>
/// <param name="Tools">The envelope: grants for the task may name only these tools (or patterns).</param>
public sealed record TaskEnvelope(string TaskId, string WorkloadId, string Purpose, string Owner, IReadOnlyList<string> Tools)
{
    /// <summary>How long the task may live; grants expire by its deadline. Default: the policy's maximum.</summary>
    public TimeSpan? MaxDuration { get; init; }
}

/// <summary>A task as the broker holds it; <paramref name="State"/> is open, revoked or expired.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="WorkloadId">The one workload that may use it.</param>
/// <param name="Purpose">Why it exists.</param>
/// <param name="Owner">Who is answerable for it.</param>
/// <param name="Tools">Its envelope: the tools (or patterns) its grants may name.</param>
/// <param name="OpenedAt">When it was opened; null when the broker did not say.</param>
/// <param name="Deadline">When it ends on its own; no grant outlives it.</param>
/// <param name="State"><c>open</c>, <c>revoked</c> or <c>expired</c>.</param>
/// <param name="RevokedAt">When it was revoked; null unless revoked.</param>
/// <param name="LiveGrants">How many of its grants are still live.</param>
public sealed record TaskDetails(
    string TaskId,
    string WorkloadId,
    string Purpose,
    string Owner,
    IReadOnlyList<string> Tools,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? Deadline,
    string State,
    DateTimeOffset? RevokedAt,
    long LiveGrants);

/// <summary>The kill switch: while engaged, every token is dead and no grant is issued.</summary>
/// <param name="Engaged">Whether it is engaged now.</param>
/// <param name="EngagedAt">When it was last engaged; null if never.</param>
/// <param name="EngagedBy">The operator who engaged it.</param>
/// <param name="Reason">The reason they gave.</param>
/// <param name="ReleasedAt">When it was last released; null while engaged or never released.</param>
/// <param name="DurabilityNotConfirmed">Null when the store took the kill switch durably; otherwise why not (it is engaged all the same).</param>
public sealed record KillSwitchStatus(bool Engaged, DateTimeOffset? EngagedAt, string? EngagedBy, string? Reason, DateTimeOffset? ReleasedAt, string? DurabilityNotConfirmed = null);
