using CredBroker.Core.Approvals;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Grants;

/// <summary>Requests policy holds for a person: held, awaited, and collected as exactly one grant.</summary>
public sealed partial class GrantBroker
{
    /// <summary>How often AwaitApproval reads the store. The store is the one truth, so a decision on any replica is seen.</summary>
    private static readonly TimeSpan ApprovalPoll = TimeSpan.FromMilliseconds(200);

    /// <summary>Blocks until the approval is decided (then collects it) or the call is cancelled (its deadline).</summary>
    public async Task<GrantOutcome> AwaitApprovalAsync(string workloadId, string approvalId, CancellationToken cancellationToken)
    {
        if (Validation.FieldChecks.ApprovalId(approvalId) is { } badId)
        {
            return new GrantOutcome.Refused(badId);
        }

        try
        {
            while (true)
            {
                var approval = await store.GetApprovalAsync(approvalId, cancellationToken).ConfigureAwait(false);
                if (approval is null || !string.Equals(approval.WorkloadId, workloadId, StringComparison.Ordinal))
                {
                    // Someone else's approval reads as unknown: ids are not to be probed.
                    return new GrantOutcome.Refused(Refusal.NotFound($"approval_id: no approval '{approvalId}' for this workload"));
                }

                if (approval.State != ApprovalState.Pending)
                {
                    var request = new GrantRequest(workloadId, approval.TaskId, approval.Purpose, approval.Tools, approval.Ttl, approval.Context, approvalId);
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var collected = await CollectAsync(request, approvalId, cancellationToken).ConfigureAwait(false);
                    return await audit.RecordAsync(request, collected, started, cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(ApprovalPoll, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (BrokerStoreUnavailableException e)
        {
            LogStoreUnavailable(e, approvalId);
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; approval not read"));
        }
    }

    private async Task<GrantOutcome> HoldForApprovalAsync(GrantRequest request, PolicyDecision.NeedsApproval needs, CancellationToken cancellationToken)
    {
        try
        {
            // A request that could never be collected is refused now, not after a person approved it.
            var task = await store.GetTaskAsync(request.TaskId, cancellationToken).ConfigureAwait(false);
            var probe = new GrantDraft(string.Empty, request.TaskId, request.WorkloadId, needs.Workload.Owner, request.Purpose, request.Tools, needs.Audience, needs.Ttl, null);
            GrantInsertResult? unfit = task.RevokedAt is { } revokedAt ? new GrantInsertResult.TaskRevoked(revokedAt)
                : task.Record is { } record ? TaskFence.Check(record, probe, task.Now)
                : null;
            if (unfit is not null)
            {
                return new GrantOutcome.Refused(TaskRefusal(request, unfit));
            }

            var draft = new ApprovalDraft(request.WorkloadId, needs.Workload.Owner, request.TaskId, request.Purpose, request.Tools, request.Context, needs.Ttl, needs.Rule, needs.Reason);
            var approval = await store.CreateApprovalAsync(draft, policy.Current.Limits.ApprovalTtl, cancellationToken).ConfigureAwait(false);
            LogPending(approval.ApprovalId, request.WorkloadId, request.TaskId, needs.Rule);
            return new GrantOutcome.Pending(approval);
        }
        catch (BrokerStoreUnavailableException e)
        {
            LogStoreUnavailable(e, request.TaskId);
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; the request was not held for approval"));
        }
    }

    /// <summary>
    /// Turns an approved approval into its one grant: the request must be the one approved, policy
    /// in force now must still not deny it, and the store marks it collected atomically, so a second
    /// collection (another replica, a retry) is refused.
    /// </summary>
    private async Task<GrantOutcome> CollectAsync(GrantRequest request, string approvalId, CancellationToken cancellationToken)
    {
        ApprovalRecord? approval;
        try
        {
            approval = await store.GetApprovalAsync(approvalId, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException e)
        {
            LogStoreUnavailable(e, approvalId);
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; no token issued"));
        }

        if (approval is null || !string.Equals(approval.WorkloadId, request.WorkloadId, StringComparison.Ordinal))
        {
            return new GrantOutcome.Refused(Refusal.NotFound($"approval_id: no approval '{approvalId}' for this workload"));
        }

        if (!string.Equals(approval.TaskId, request.TaskId, StringComparison.Ordinal))
        {
            return new GrantOutcome.Refused(Refusal.Precondition($"approval {approvalId} is for task {approval.TaskId}, not {request.TaskId}"));
        }

        if (!approval.Tools.Order(StringComparer.Ordinal).SequenceEqual(request.Tools.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            return new GrantOutcome.Refused(Refusal.Invalid("tools", $"approval {approvalId} is for tools {string.Join(", ", approval.Tools)}"));
        }

        if (StateRefusal(approval) is { } notApproved)
        {
            return new GrantOutcome.Refused(notApproved);
        }

        // Policy may have changed since the approval: a rule that now denies wins over the approval.
        var asked = new GrantRequest(approval.WorkloadId, approval.TaskId, approval.Purpose, approval.Tools, approval.Ttl, approval.Context);
        var decision = PolicyEvaluator.Evaluate(policy.Current, asked, time.GetUtcNow());
        var (workload, audience, ttl) = decision switch
        {
            PolicyDecision.Allow a => (a.Workload, a.Audience, a.Ttl),
            PolicyDecision.NeedsApproval n => (n.Workload, n.Audience, n.Ttl),
            _ => (null!, string.Empty, TimeSpan.Zero),
        };
        if (workload is null)
        {
            return decision is PolicyDecision.Deny deny
                ? Denied(asked, deny)
                : new GrantOutcome.Refused(Refusal.Precondition($"approval {approvalId} no longer fits the policy: {((PolicyDecision.Invalid)decision).Problem}"));
        }

        ApprovalChange collected;
        try
        {
            collected = await store.CollectApprovalAsync(approvalId, request.WorkloadId, request.TaskId, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException e)
        {
            LogStoreUnavailable(e, approvalId);
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; no token issued"));
        }

        if (collected.Outcome != ApprovalChangeOutcome.Changed)
        {
            return new GrantOutcome.Refused(collected.Record is { } raced && StateRefusal(raced) is { } lost
                ? lost
                : Refusal.NotFound($"approval_id: no approval '{approvalId}' for this workload"));
        }

        LogCollected(approvalId, request.WorkloadId, request.TaskId);
        return await IssueAsync(asked, workload, audience, ttl < approval.Ttl ? ttl : approval.Ttl, cancellationToken).ConfigureAwait(false);
    }

    private static Refusal? StateRefusal(ApprovalRecord approval) => approval.State switch
    {
        ApprovalState.Approved => null,
        ApprovalState.Pending => Refusal.Precondition($"approval {approval.ApprovalId} is still pending; call AwaitApproval or retry after a decision"),
        ApprovalState.Denied => Refusal.Denied($"approval {approval.ApprovalId} was denied by {approval.DecidedBy}{(string.IsNullOrEmpty(approval.DecisionReason) ? string.Empty : ": " + approval.DecisionReason)}"),
        ApprovalState.Collected => Refusal.Precondition($"approval {approval.ApprovalId} was already collected; an approval yields exactly one grant"),
        _ => Refusal.Precondition($"approval {approval.ApprovalId} expired at {approval.ExpiresAt:yyyy-MM-ddTHH:mm:ssZ}"),
    };

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Held request of {WorkloadId} for task {TaskId} for approval {ApprovalId} (rule {Rule})")]
    private partial void LogPending(string approvalId, string workloadId, string taskId, string rule);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "Approval {ApprovalId} collected by {WorkloadId} for task {TaskId}")]
    private partial void LogCollected(string approvalId, string workloadId, string taskId);
}
