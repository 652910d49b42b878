using CredBroker.Core.Grants;
using CredBroker.Core.Tasks;

namespace CredBroker.Core.Storage;

/// <summary>The grant insert: standing rules, caps, the task's checks and the write, under the task's lock as one step.</summary>
public sealed partial class InMemoryBrokerStore
{
    public ValueTask<GrantInsertResult> InsertGrantAsync(GrantDraft draft, bool requireOpenTask, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return ValueTask.FromResult(WithTask(draft.TaskId, entry =>
        {
            var now = time.GetUtcNow();
            // Under the task's lock, as one step: the standing rules, the caps, the task, then the write.
            if (revocations?.StandingAt(draft.WorkloadId, draft.Tools, now) is { Count: > 0 } standing)
            {
                return new GrantInsertResult.RulesStand(standing, now);
            }

            // A delegated grant is refused while any actor of its chain is quarantined, in the same step.
            if (draft.Delegation is { } chain
                && chain.Actors.SelectMany(a => revocations?.StandingAt(a, [], now) ?? []).Where(r => r.Kind == Revocation.RevocationKind.Workload).ToList() is { Count: > 0 } actorRules)
            {
                return new GrantInsertResult.RulesStand(actorRules, now);
            }

            if (draft.Quota is not { IsUnlimited: false } quota)
            {
                return InsertLocked(entry, draft, requireOpenTask, now);
            }

            var caps = counters.GetOrAdd(draft.WorkloadId, static _ => new WorkloadCounters());
            lock (caps)
            {
                if (QuotaRefusal(caps, quota, now) is { } exceeded)
                {
                    return new GrantInsertResult.QuotaExceeded(exceeded);
                }

                var inserted = InsertLocked(entry, draft, requireOpenTask, now);
                if (inserted is GrantInsertResult.Inserted { Grant: var grant })
                {
                    Count(caps, quota, grant, now);
                }

                return inserted;
            }
        }));
    }

    /// <summary>The task's checks and the write; the caller holds the task's lock.</summary>
    private GrantInsertResult InsertLocked(TaskEntry entry, GrantDraft draft, bool requireOpenTask, DateTimeOffset now)
    {
        if (entry.RevokedAt is { } revokedAt)
        {
            return new GrantInsertResult.TaskRevoked(revokedAt);
        }

        var task = entry.Record;
        if (task is null && requireOpenTask)
        {
            return new GrantInsertResult.TaskNotOpened();
        }

        // First use claims the task for this workload (written below, with the grant, or not at all).
        task ??= new TaskRecord(draft.TaskId, draft.WorkloadId, draft.Owner, draft.Purpose, [], Opened: false, now, Deadline: null);
        if (TaskFence.Check(task, draft, now) is { } refused)
        {
            return refused;
        }

        if (draft.WriteBy is { } writeBy && now > writeBy)
        {
            return new GrantInsertResult.TooLate();
        }

        // The same kind of bound as Redis's memory watermark: a flood of agents cannot exhaust the heap.
        if (Interlocked.Read(ref held) >= options.MemoryMaxLiveGrants)
        {
            return new GrantInsertResult.StoreFull($"the in-memory store holds {options.MemoryMaxLiveGrants} grants, its limit CredBroker:Storage:MemoryMaxLiveGrants");
        }

        entry.Record = task;
        var grant = (Shared(entry, task, draft) with { NotAfter = task.Deadline }).Stamp(now);
        entry.Grants[grant.GrantId] = new GrantEntry(grant);
        Interlocked.Increment(ref held);
        entry.KeepUntil(grant.ExpiresAt + options.RevokedTaskRetention);
        taskByGrant[grant.GrantId] = grant.TaskId;
        return new GrantInsertResult.Inserted(grant);
    }

    /// <summary>
    /// The draft holding the task's own strings where its values are equal (the fence has checked the
    /// workload), and the task's previous tool list when it names the same tools. Under load the live
    /// grants are most of this store's heap, and a request's fresh copies of these were most of a grant.
    /// </summary>
    private static GrantDraft Shared(TaskEntry entry, TaskRecord task, GrantDraft draft)
    {
        var tools = entry.LastTools is { } last && last.SequenceEqual(draft.Tools, StringComparer.Ordinal) ? last : draft.Tools;
        entry.LastTools = tools;
        return draft with
        {
            TaskId = task.TaskId,
            WorkloadId = string.Equals(draft.WorkloadId, task.WorkloadId, StringComparison.Ordinal) ? task.WorkloadId : draft.WorkloadId,
            Owner = string.Equals(draft.Owner, task.Owner, StringComparison.Ordinal) ? task.Owner : draft.Owner,
            Purpose = string.Equals(draft.Purpose, task.Purpose, StringComparison.Ordinal) ? task.Purpose : draft.Purpose,
            Tools = tools,
        };
    }
}
