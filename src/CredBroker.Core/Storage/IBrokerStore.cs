using CredBroker.Core.Approvals;
using CredBroker.Core.Grants;
using CredBroker.Core.Tasks;

namespace CredBroker.Core.Storage;

/// <summary>
/// Grants and tasks, as the store keeps them. Each method is one atomic decision in the store, so
/// replicas sharing a store cannot race each other past an invariant. Any failure to reach
/// the store throws <see cref="BrokerStoreUnavailableException"/>; callers fail closed.
/// The store's other purposes have interfaces of their own, registered apart:
/// <see cref="IApprovalStore"/>, <see cref="IQuotaStore"/>, <see cref="Revocation.IRevocationLog"/>,
/// <c>IAuditSink</c> and <c>IIdentityReplayGuard</c>.
/// </summary>
public interface IBrokerStore
{
    /// <summary>
    /// Records a grant in one atomic step with every check that could refuse it, so a refusal writes
    /// nothing and nothing has to be undone (invariants 1, 2, 4 and 5), in this order: a standing
    /// kill switch, quarantine of the workload or revocation of one of its tools (<see cref="GrantInsertResult.RulesStand"/>;
    /// a store without a revocation log skips this), the workload's caps (<see cref="GrantDraft.Quota"/>),
    /// then the task: refused when it is revoked, belongs to another workload, is not opened while
    /// <paramref name="requireOpenTask"/>, or the grant falls outside an opened task's envelope or
    /// deadline. A task never used before is claimed for the draft's workload. The store stamps
    /// <c>iat</c> from its own clock, cuts <c>exp</c> at the task's deadline, and counts the grant
    /// against the caps.
    /// </summary>
    ValueTask<GrantInsertResult> InsertGrantAsync(GrantDraft draft, bool requireOpenTask, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets a grant whose token was never issued (refused after its record may have been written):
    /// its record, its index and its count against the workload's live grants, so nothing shows it as
    /// live. Idempotent. Sent at once and not awaited for an answer: on Redis it runs after the insert it undoes.
    /// </summary>
    ValueTask DiscardGrantAsync(string taskId, string grantId, string workloadId, CancellationToken cancellationToken);

    /// <summary>Opens a task with its envelope and deadline; refused when the task was already opened, used, or revoked.</summary>
    ValueTask<TaskOpenResult> OpenTaskAsync(TaskRecord task, TimeSpan maxDuration, CancellationToken cancellationToken);

    /// <summary>The task's fence, revocation and live grant count.</summary>
    ValueTask<TaskView> GetTaskAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>Marks the task revoked; every grant of it is inactive from now on and none can be added.</summary>
    ValueTask<TaskRevocationResult> RevokeTaskAsync(string taskId, string reason, CancellationToken cancellationToken);

    /// <summary>Finds a live (unexpired) grant by id, revoked or not; null when unknown or expired.</summary>
    ValueTask<StoredGrant?> FindGrantAsync(string grantId, CancellationToken cancellationToken);

    /// <summary>Revokes one grant. Returns null when the grant is unknown or expired.</summary>
    ValueTask<GrantRevocationResult?> RevokeGrantAsync(string grantId, string reason, CancellationToken cancellationToken);

    /// <summary>Whether the grant behind a well-signed token is still live.</summary>
    ValueTask<GrantStatus> GetGrantStatusAsync(string taskId, string grantId, CancellationToken cancellationToken);

    /// <summary>
    /// Live grants (unexpired, not revoked, task not revoked) matching <paramref name="filter"/>, ordered by
    /// <c>exp</c> then grant id, starting after <paramref name="after"/>. A page may hold fewer than
    /// <paramref name="pageSize"/> grants and still have a next page when the store bounds the work per call.
    /// </summary>
    ValueTask<GrantPage> ListGrantsAsync(GrantFilter filter, int pageSize, PageCursor? after, CancellationToken cancellationToken);

    /// <summary>The store's clock, the one that stamps <c>iat</c> and rule times.</summary>
    ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken);
}

/// <summary>A grant as stored, with its revocation if any.</summary>
public sealed record StoredGrant(GrantRecord Grant, DateTimeOffset? RevokedAt, DateTimeOffset? TaskRevokedAt);

public abstract record GrantInsertResult
{
    private GrantInsertResult()
    {
    }

    public sealed record Inserted(GrantRecord Grant) : GrantInsertResult;

    public sealed record TaskRevoked(DateTimeOffset RevokedAt) : GrantInsertResult;

    /// <summary>Policy requires an opened task and this one was never opened.</summary>
    public sealed record TaskNotOpened : GrantInsertResult;

    /// <summary>The task belongs to another workload (opened for it, or first used by it).</summary>
    public sealed record TaskOwnedByOther(string WorkloadId) : GrantInsertResult;

    /// <summary>The tool is outside the opened task's envelope.</summary>
    public sealed record OutsideEnvelope(string Tool) : GrantInsertResult;

    /// <summary>The opened task's deadline has passed.</summary>
    public sealed record TaskExpired(DateTimeOffset Deadline) : GrantInsertResult;

    /// <summary>The store's clock had passed <see cref="GrantDraft.WriteBy"/>: nothing was written.</summary>
    public sealed record TooLate : GrantInsertResult;

    /// <summary>The store keeps its remaining room for revocations (<paramref name="Reason"/> names the limit); nothing was written.</summary>
    public sealed record StoreFull(string Reason) : GrantInsertResult;

    /// <summary>
    /// Kill switch, quarantine or tool revocation rules that still refuse new grants at the store's
    /// <paramref name="Now"/>, in the order tools, workload, kill switch; nothing was written.
    /// </summary>
    public sealed record RulesStand(IReadOnlyList<Revocation.RevocationRule> Rules, DateTimeOffset Now) : GrantInsertResult;

    /// <summary>The workload's caps refuse the grant (never <see cref="QuotaResult.Reserved"/>); nothing was written or counted.</summary>
    public sealed record QuotaExceeded(QuotaResult Quota) : GrantInsertResult;
}

public abstract record TaskOpenResult
{
    private TaskOpenResult()
    {
    }

    public sealed record Opened(TaskRecord Task) : TaskOpenResult;

    public sealed record TaskRevoked(DateTimeOffset RevokedAt) : TaskOpenResult;

    /// <summary>The task id is taken: opened before, or already used by a grant.</summary>
    public sealed record AlreadyExists(TaskRecord Existing) : TaskOpenResult;
}

/// <param name="RevokedGrants">Grants of the task that were live at the moment of revocation.</param>
/// <param name="AlreadyRevoked">The task had been revoked before; <paramref name="RevokedAt"/> is that first time.</param>
public sealed record TaskRevocationResult(long RevokedGrants, DateTimeOffset RevokedAt, bool AlreadyRevoked)
{
    /// <summary>Null when the store confirmed the revocation durable; otherwise why not (set by the broker, not the store).</summary>
    public string? DurabilityNotConfirmed { get; init; }
}

public sealed record GrantRevocationResult(DateTimeOffset RevokedAt, bool AlreadyRevoked, GrantRecord Grant)
{
    /// <summary>Null when the store confirmed the revocation durable; otherwise why not (set by the broker, not the store).</summary>
    public string? DurabilityNotConfirmed { get; init; }
}

public enum GrantState
{
    Active,
    /// <summary>No record: never issued here, expired, or lost. Reads as inactive (losing a grant record is safe).</summary>
    Unknown,
    GrantRevoked,
    TaskRevoked,
}

public sealed record GrantStatus(GrantState State, DateTimeOffset? RevokedAt = null)
{
    public static readonly GrantStatus Active = new(GrantState.Active);
    public static readonly GrantStatus Unknown = new(GrantState.Unknown);
}
