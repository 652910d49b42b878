using CredBroker.Core.Grants;

namespace CredBroker.Core.Storage;

/// <summary>
/// Everything the broker remembers. Each method is one atomic decision in the store, so
/// replicas sharing a store cannot race each other past an invariant. Any failure to reach
/// the store throws <see cref="BrokerStoreUnavailableException"/>; callers fail closed.
/// </summary>
public interface IBrokerStore
{
    /// <summary>
    /// Records a grant unless its task is revoked, in one atomic step (invariants 1 and 2).
    /// The store stamps <c>iat</c> from its own clock.
    /// </summary>
    ValueTask<GrantInsertResult> InsertGrantAsync(GrantDraft draft, CancellationToken cancellationToken);

    /// <summary>Marks the task revoked; every grant of it is inactive from now on and none can be added.</summary>
    ValueTask<TaskRevocationResult> RevokeTaskAsync(string taskId, string reason, CancellationToken cancellationToken);

    /// <summary>Finds a live (unexpired) grant by id, revoked or not; null when unknown or expired.</summary>
    ValueTask<StoredGrant?> FindGrantAsync(string grantId, CancellationToken cancellationToken);

    /// <summary>Revokes one grant. Returns null when the grant is unknown or expired.</summary>
    ValueTask<GrantRevocationResult?> RevokeGrantAsync(string grantId, string reason, CancellationToken cancellationToken);

    /// <summary>Whether the grant behind a well-signed token is still live.</summary>
    ValueTask<GrantStatus> GetGrantStatusAsync(string taskId, string grantId, CancellationToken cancellationToken);

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
}

/// <param name="RevokedGrants">Grants of the task that were live at the moment of revocation.</param>
/// <param name="AlreadyRevoked">The task had been revoked before; <paramref name="RevokedAt"/> is that first time.</param>
public sealed record TaskRevocationResult(long RevokedGrants, DateTimeOffset RevokedAt, bool AlreadyRevoked);

public sealed record GrantRevocationResult(DateTimeOffset RevokedAt, bool AlreadyRevoked, GrantRecord Grant);

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
