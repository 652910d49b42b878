using CredBroker.Core.Approvals;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Grants;

/// <summary>
/// The policy step's third answer: a request held for a person, and later collected as exactly one
/// grant, which then goes on through <see cref="GrantIssuance"/> like any allowed request.
/// </summary>
public sealed class GrantApprovals(IApprovalStore approvals, IBrokerStore store, IPolicySource policy, TimeProvider time, GrantIssuance issuance, ILogger<GrantApprovals> logger)
{
    public async Task<GrantOutcome> HoldAsync(GrantRequest request, PolicyDecision.NeedsApproval needs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(needs);
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
                return new GrantOutcome.Refused(GrantRefusals.Task(request, unfit));
            }

            var draft = new ApprovalDraft(request.WorkloadId, needs.Workload.Owner, request.TaskId, request.Purpose, request.Tools, request.Context, needs.Ttl, needs.Rule, needs.Reason);
            var approval = await approvals.CreateApprovalAsync(draft, policy.Current.Limits.ApprovalTtl, cancellationToken).ConfigureAwait(false);
            CoreLog.GrantPending(logger, approval.ApprovalId, request.WorkloadId, request.TaskId, needs.Rule);
            return new GrantOutcome.Pending(approval);
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.GrantStoreUnavailable(logger, e, request.TaskId);
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; the request was not held for approval"));
        }
    }

    /// <summary>
    /// Turns an approved approval into its one grant: the request must be the one approved, policy
    /// in force now must still not deny it, and the store marks it collected atomically, so a second
    /// collection (another replica, a retry) is refused.
    /// </summary>
    public async Task<GrantOutcome> CollectAsync(GrantRequest request, string approvalId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ApprovalRecord? approval;
        try
        {
            approval = await approvals.GetApprovalAsync(approvalId, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.GrantStoreUnavailable(logger, e, approvalId);
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; no token issued"));
        }

        if (Mismatch(request, approvalId, approval) is { } mismatch)
        {
            return new GrantOutcome.Refused(mismatch);
        }

        // Policy may have changed since the approval: a rule that now denies wins over the approval.
        var asked = new GrantRequest(approval!.WorkloadId, approval.TaskId, approval.Purpose, approval.Tools, approval.Ttl, approval.Context);
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
            collected = await approvals.CollectApprovalAsync(approvalId, request.WorkloadId, request.TaskId, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.GrantStoreUnavailable(logger, e, approvalId);
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; no token issued"));
        }

        if (collected.Outcome != ApprovalChangeOutcome.Changed)
        {
            return new GrantOutcome.Refused(collected.Record is { } raced && StateRefusal(raced) is { } lost
                ? lost
                : Refusal.NotFound($"approval_id: no approval '{approvalId}' for this workload"));
        }

        CoreLog.GrantCollected(logger, approvalId, request.WorkloadId, request.TaskId);
        return await issuance.IssueAsync(asked, workload, audience, ttl < approval.Ttl ? ttl : approval.Ttl, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A policy deny, logged with its rule.</summary>
    public GrantOutcome.Refused Denied(GrantRequest request, PolicyDecision.Deny deny)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(deny);
        CoreLog.GrantDenied(logger, request.WorkloadId, request.TaskId, deny.Rule);
        return new GrantOutcome.Refused(Refusal.Denied(deny.Reason));
    }

    /// <summary>Why this approval cannot be collected by this request; null when it can.</summary>
    private static Refusal? Mismatch(GrantRequest request, string approvalId, ApprovalRecord? approval)
    {
        if (approval is null || !string.Equals(approval.WorkloadId, request.WorkloadId, StringComparison.Ordinal))
        {
            return Refusal.NotFound($"approval_id: no approval '{approvalId}' for this workload");
        }

        if (!string.Equals(approval.TaskId, request.TaskId, StringComparison.Ordinal))
        {
            return Refusal.Precondition($"approval {approvalId} is for task {approval.TaskId}, not {request.TaskId}");
        }

        if (!approval.Tools.Order(StringComparer.Ordinal).SequenceEqual(request.Tools.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            return Refusal.Invalid("tools", $"approval {approvalId} is for tools {string.Join(", ", approval.Tools)}");
        }

        return StateRefusal(approval);
    }

    private static Refusal? StateRefusal(ApprovalRecord approval) => approval.State switch
    {
        ApprovalState.Approved => null,
        ApprovalState.Pending => Refusal.Precondition($"approval {approval.ApprovalId} is still pending; call AwaitApproval or retry after a decision"),
        ApprovalState.Denied => Refusal.Denied($"approval {approval.ApprovalId} was denied by {approval.DecidedBy}{(string.IsNullOrEmpty(approval.DecisionReason) ? string.Empty : ": " + approval.DecisionReason)}"),
        ApprovalState.Collected => Refusal.Precondition($"approval {approval.ApprovalId} was already collected; an approval yields exactly one grant"),
        _ => Refusal.Precondition($"approval {approval.ApprovalId} expired at {approval.ExpiresAt:yyyy-MM-ddTHH:mm:ssZ}"),
    };
}
