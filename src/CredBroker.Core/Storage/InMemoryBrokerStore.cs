using System.Collections.Concurrent;
using CredBroker.Core.Approvals;
using CredBroker.Core.Grants;
using CredBroker.Core.Tasks;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Storage;

/// <summary>
/// The embedded store for a one-process broker. A lock per task makes check-and-insert atomic
/// against revocation (invariant 2); expired records are swept on a timer.
/// </summary>
public sealed partial class InMemoryBrokerStore : IBrokerStore, IApprovalStore, IQuotaStore, IDisposable
{
    /// <summary>An expired grant is dead weight: under load, a minute of them was most of the broker's heap.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, TaskEntry> tasks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> taskByGrant = new(StringComparer.Ordinal);
    private readonly TimeProvider time;
    private readonly StoreOptions options;
    private readonly ITimer sweeper;

    /// <summary>Grant records held (live, or expired and not swept yet): what <see cref="StoreOptions.MemoryMaxLiveGrants"/> bounds.</summary>
    private long held;

    /// <summary>The log whose standing rules refuse an insert; null: none are checked (a store tested alone).</summary>
    private readonly InMemoryRevocationLog? revocations;

    public InMemoryBrokerStore(TimeProvider time, IOptions<StoreOptions> options)
        : this(time, options, revocations: null)
    {
    }

    /// <param name="revocations">The log of this process, so its standing rules are checked in the insert's own step.</param>
    public InMemoryBrokerStore(TimeProvider time, IOptions<StoreOptions> options, InMemoryRevocationLog? revocations)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.revocations = revocations;
        this.time = time;
        this.options = options.Value;
        sweeper = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    public ValueTask DiscardGrantAsync(string taskId, string grantId, string workloadId, CancellationToken cancellationToken)
    {
        if (tasks.TryGetValue(taskId, out var entry))
        {
            lock (entry)
            {
                if (entry.Grants.Remove(grantId))
                {
                    Interlocked.Decrement(ref held);
                }
            }
        }

        taskByGrant.TryRemove(grantId, out _);
        return ReleaseGrantAsync(workloadId, grantId, issued: false, cancellationToken);
    }

    public ValueTask<TaskOpenResult> OpenTaskAsync(TaskRecord task, TimeSpan maxDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        return ValueTask.FromResult(WithTask(task.TaskId, entry =>
        {
            var now = time.GetUtcNow();
            if (entry.RevokedAt is { } revokedAt)
            {
                return (TaskOpenResult)new TaskOpenResult.TaskRevoked(revokedAt);
            }

            if (entry.Record is { } existing)
            {
                return new TaskOpenResult.AlreadyExists(existing);
            }

            var opened = entry.Record = task with { Opened = true, OpenedAt = now, Deadline = now + maxDuration };
            entry.KeepUntil(opened.Deadline!.Value + options.RevokedTaskRetention);
            return new TaskOpenResult.Opened(opened);
        }));
    }

    public ValueTask<TaskView> GetTaskAsync(string taskId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!tasks.TryGetValue(taskId, out var entry))
        {
            return ValueTask.FromResult(new TaskView(taskId, null, null, 0, now));
        }

        lock (entry)
        {
            var live = entry.Grants.Values.LongCount(g => g.RevokedAt is null && g.Grant.ExpiresAt > now);
            return ValueTask.FromResult(new TaskView(taskId, entry.Record, entry.RevokedAt, entry.RevokedAt is null ? live : 0, now));
        }
    }

    public ValueTask<TaskRevocationResult> RevokeTaskAsync(string taskId, string reason, CancellationToken cancellationToken)
    {
        return ValueTask.FromResult(WithTask(taskId, entry =>
        {
            var now = time.GetUtcNow();
            if (entry.RevokedAt is { } earlier)
            {
                return new TaskRevocationResult(0, earlier, AlreadyRevoked: true);
            }

            entry.RevokedAt = now;
            entry.KeepUntil(now + options.RevokedTaskRetention);
            var live = entry.Grants.Values.LongCount(g => g.RevokedAt is null && g.Grant.ExpiresAt > now);
            return new TaskRevocationResult(live, now, AlreadyRevoked: false);
        }));
    }

    public ValueTask<StoredGrant?> FindGrantAsync(string grantId, CancellationToken cancellationToken)
    {
        if (!TryGetLive(grantId, out var entry, out var grant))
        {
            return ValueTask.FromResult<StoredGrant?>(null);
        }

        lock (entry)
        {
            return ValueTask.FromResult<StoredGrant?>(new StoredGrant(grant.Grant, grant.RevokedAt, entry.RevokedAt));
        }
    }

    public ValueTask<GrantRevocationResult?> RevokeGrantAsync(string grantId, string reason, CancellationToken cancellationToken)
    {
        if (!TryGetLive(grantId, out var entry, out var grant))
        {
            return ValueTask.FromResult<GrantRevocationResult?>(null);
        }

        lock (entry)
        {
            if (grant.RevokedAt is { } earlier)
            {
                return ValueTask.FromResult<GrantRevocationResult?>(new GrantRevocationResult(earlier, AlreadyRevoked: true, grant.Grant));
            }

            var now = time.GetUtcNow();
            grant.RevokedAt = now;
            return ValueTask.FromResult<GrantRevocationResult?>(new GrantRevocationResult(now, AlreadyRevoked: false, grant.Grant));
        }
    }

    public ValueTask<GrantStatus> GetGrantStatusAsync(string taskId, string grantId, CancellationToken cancellationToken)
    {
        if (!tasks.TryGetValue(taskId, out var entry))
        {
            return ValueTask.FromResult(GrantStatus.Unknown);
        }

        lock (entry)
        {
            if (entry.RevokedAt is { } taskRevokedAt)
            {
                return ValueTask.FromResult(new GrantStatus(GrantState.TaskRevoked, taskRevokedAt));
            }

            if (!entry.Grants.TryGetValue(grantId, out var grant) || grant.Grant.ExpiresAt <= time.GetUtcNow())
            {
                return ValueTask.FromResult(GrantStatus.Unknown);
            }

            return ValueTask.FromResult(grant.RevokedAt is { } revokedAt
                ? new GrantStatus(GrantState.GrantRevoked, revokedAt)
                : GrantStatus.Active);
        }
    }

    public ValueTask<GrantPage> ListGrantsAsync(GrantFilter filter, int pageSize, PageCursor? after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var now = time.GetUtcNow();
        var live = new List<GrantRecord>();
        IEnumerable<TaskEntry> entries = filter.TaskId is null
            ? tasks.Values
            : tasks.TryGetValue(filter.TaskId, out var one) ? [one] : [];
        foreach (var entry in entries)
        {
            lock (entry)
            {
                if (entry.RevokedAt is not null)
                {
                    continue;
                }

                live.AddRange(entry.Grants.Values
                    .Where(g => g.RevokedAt is null && g.Grant.ExpiresAt > now && filter.Matches(g.Grant) && (after is not { } c || c.Precedes(g.Grant)))
                    .Select(g => g.Grant));
            }
        }

        var page = live.OrderBy(g => g.ExpiresAt).ThenBy(g => g.GrantId, StringComparer.Ordinal).Take(pageSize + 1).ToList();
        var more = page.Count > pageSize;
        if (more)
        {
            page.RemoveAt(pageSize);
        }

        return ValueTask.FromResult(new GrantPage(page, more ? PageCursor.Of(page[^1]).Encode() : null));
    }

    public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(time.GetUtcNow());

    public void Dispose() => sweeper.Dispose();

    /// <summary>Drops expired grant records and task revocations past their retention.</summary>
    internal void Sweep()
    {
        var now = time.GetUtcNow();
        SweepApprovals(now);
        foreach (var (taskId, entry) in tasks)
        {
            lock (entry)
            {
                foreach (var (grantId, grant) in entry.Grants)
                {
                    if (grant.Grant.ExpiresAt <= now)
                    {
                        entry.Grants.Remove(grantId);
                        Interlocked.Decrement(ref held);
                        taskByGrant.TryRemove(grantId, out _);
                    }
                }

                var forgettable = entry.Grants.Count == 0 && entry.RevokedUntil <= now;
                if (forgettable)
                {
                    // Removal under the entry's lock, so a racing insert that already holds this
                    // entry re-checks it: TryRemove of the exact pair leaves a replaced entry alone.
                    tasks.TryRemove(new KeyValuePair<string, TaskEntry>(taskId, entry));
                    entry.Removed = true;
                }
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> under the task's lock on the entry that is in the map. An entry
    /// the sweeper removed is never written: a revocation recorded there would be lost (invariant 2).
    /// </summary>
    private T WithTask<T>(string taskId, Func<TaskEntry, T> action)
    {
        while (true)
        {
            var entry = tasks.GetOrAdd(taskId, static _ => new TaskEntry());
            lock (entry)
            {
                if (!entry.Removed)
                {
                    return action(entry);
                }
            }
        }
    }

    private bool TryGetLive(string grantId, out TaskEntry entry, out GrantEntry grant)
    {
        entry = null!;
        grant = null!;
        if (!taskByGrant.TryGetValue(grantId, out var taskId) || !tasks.TryGetValue(taskId, out var found))
        {
            return false;
        }

        lock (found)
        {
            if (!found.Grants.TryGetValue(grantId, out var g) || g.Grant.ExpiresAt <= time.GetUtcNow())
            {
                return false;
            }

            entry = found;
            grant = g;
            return true;
        }
    }

    private sealed class TaskEntry
    {
        public Dictionary<string, GrantEntry> Grants { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? RevokedAt { get; set; }

        /// <summary>The fence and the revocation are remembered until then (invariant 3); extended, never shortened.</summary>
        public DateTimeOffset RevokedUntil { get; private set; }

        public TaskRecord? Record { get; set; }

        /// <summary>The tool list of the task's latest grant, shared by the next grant that names the same tools.</summary>
        public IReadOnlyList<string>? LastTools { get; set; }

        public void KeepUntil(DateTimeOffset until)
        {
            if (until > RevokedUntil)
            {
                RevokedUntil = until;
            }
        }

        public bool Removed { get; set; }
    }

    private sealed class GrantEntry(GrantRecord grant)
    {
        public GrantRecord Grant { get; } = grant;

        public DateTimeOffset? RevokedAt { get; set; }
    }
}
