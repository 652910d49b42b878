using CredBroker.Core.Approvals;
using CredBroker.Core.Storage;

namespace CredBroker.Core.Grants;

/// <summary>AwaitApproval: the agent's long wait for a person's decision, then the same last steps as a request.</summary>
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
                var approval = await approvalStore.GetApprovalAsync(approvalId, cancellationToken).ConfigureAwait(false);
                if (approval is null || !string.Equals(approval.WorkloadId, workloadId, StringComparison.Ordinal))
                {
                    // Someone else's approval reads as unknown: ids are not to be probed.
                    return new GrantOutcome.Refused(Refusal.NotFound($"approval_id: no approval '{approvalId}' for this workload"));
                }

                if (approval.State != ApprovalState.Pending)
                {
                    var request = new GrantRequest(workloadId, approval.TaskId, approval.Purpose, approval.Tools, approval.Ttl, approval.Context, approvalId);
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var collected = await approvals.CollectAsync(request, approvalId, cancellationToken).ConfigureAwait(false);
                    return await RecordAsync(request, collected, started, limit: null, cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(ApprovalPoll, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.GrantStoreUnavailable(logger, e, approvalId);
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; approval not read"));
        }
    }
}
