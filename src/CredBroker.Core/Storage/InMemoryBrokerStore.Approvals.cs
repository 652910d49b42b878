using System.Collections.Concurrent;
using CredBroker.Core.Approvals;
using CredBroker.Core.Grants;

namespace CredBroker.Core.Storage;

public sealed partial class InMemoryBrokerStore
{
    /// <summary>A decided or expired approval is remembered this long past its expiry, so its agent learns what became of it.</summary>
    internal static readonly TimeSpan ApprovalRetention = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, ApprovalRecord> approvals = new(StringComparer.Ordinal);

    public ValueTask<ApprovalRecord> CreateApprovalAsync(ApprovalDraft draft, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var record = draft.Stamp(time.GetUtcNow(), lifetime);
        return approvals.TryAdd(record.ApprovalId, record)
            ? ValueTask.FromResult(record)
            : throw new InvalidOperationException($"approval id {record.ApprovalId} is taken");
    }

    public ValueTask<ApprovalRecord?> GetApprovalAsync(string approvalId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return ValueTask.FromResult(approvals.TryGetValue(approvalId, out var record) ? record with { State = record.StateAt(now) } : null);
    }

    public ValueTask<ApprovalChange> DecideApprovalAsync(string approvalId, bool approve, string decidedBy, string? reason, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Change(approvalId, ApprovalState.Pending, record => null, record => record with
        {
            State = approve ? ApprovalState.Approved : ApprovalState.Denied,
            DecidedBy = decidedBy,
            DecidedAt = time.GetUtcNow(),
            DecisionReason = reason,
        }));

    public ValueTask<ApprovalChange> CollectApprovalAsync(string approvalId, string workloadId, string taskId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Change(
            approvalId,
            ApprovalState.Approved,
            record => string.Equals(record.WorkloadId, workloadId, StringComparison.Ordinal) && string.Equals(record.TaskId, taskId, StringComparison.Ordinal)
                ? null
                : ApprovalChangeOutcome.WrongRequester,
            record => record with { State = ApprovalState.Collected }));

    public ValueTask<ApprovalPage> ListPendingApprovalsAsync(int pageSize, PageCursor? after, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var page = approvals.Values
            .Where(a => a.StateAt(now) == ApprovalState.Pending && (after is not { } c || c.Precedes(a.ExpiresAt, a.ApprovalId)))
            .OrderBy(a => a.ExpiresAt).ThenBy(a => a.ApprovalId, StringComparer.Ordinal)
            .Take(pageSize + 1)
            .ToList();
        var more = page.Count > pageSize;
        if (more)
        {
            page.RemoveAt(pageSize);
        }

        return ValueTask.FromResult(new ApprovalPage(page, more ? new PageCursor(page[^1].ExpiresAt.ToUnixTimeMilliseconds(), page[^1].ApprovalId).Encode() : null));
    }

    /// <summary>One state change under one lock: a decision or a collection happens once (an approval yields exactly one grant).</summary>
    private ApprovalChange Change(string approvalId, ApprovalState from, Func<ApprovalRecord, ApprovalChangeOutcome?> check, Func<ApprovalRecord, ApprovalRecord> change)
    {
        lock (approvals)
        {
            var now = time.GetUtcNow();
            if (!approvals.TryGetValue(approvalId, out var record))
            {
                return new ApprovalChange(ApprovalChangeOutcome.NotFound, null);
            }

            var current = record with { State = record.StateAt(now) };
            if (check(current) is { } refused)
            {
                return new ApprovalChange(refused, current);
            }

            if (current.State != from)
            {
                return new ApprovalChange(ApprovalChangeOutcome.WrongState, current);
            }

            var changed = change(record);
            approvals[approvalId] = changed;
            return new ApprovalChange(ApprovalChangeOutcome.Changed, changed);
        }
    }

    private void SweepApprovals(DateTimeOffset now)
    {
        foreach (var (id, record) in approvals)
        {
            if (record.ExpiresAt + ApprovalRetention <= now)
            {
                approvals.TryRemove(new KeyValuePair<string, ApprovalRecord>(id, record));
            }
        }
    }
}
