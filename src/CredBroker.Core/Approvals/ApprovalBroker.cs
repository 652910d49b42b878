using CredBroker.Core.Audit;
using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using CredBroker.Core.Validation;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Approvals;

/// <summary>People decide held requests: list them, approve or deny, with separation of duties (invariant 7).</summary>
public sealed partial class ApprovalBroker(IApprovalStore store, ILogger<ApprovalBroker> logger, AuditLog audit)
{
    public async Task<BrokerResult<ApprovalPage>> ListPendingAsync(int pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        if (pageSize < 0)
        {
            return Refusal.Invalid("page_size", "must not be negative");
        }

        PageCursor? cursor = null;
        if (!string.IsNullOrEmpty(pageToken))
        {
            if (!PageCursor.TryDecode(pageToken, out var decoded))
            {
                return Refusal.Invalid("page_token", "not a token from a previous ListApprovals page");
            }

            cursor = decoded;
        }

        try
        {
            var size = pageSize == 0 ? GrantListing.DefaultPageSize : Math.Min(pageSize, GrantListing.MaxPageSize);
            return BrokerResult<ApprovalPage>.Ok(await store.ListPendingApprovalsAsync(size, cursor, cancellationToken).ConfigureAwait(false));
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.ApprovalBrokerStoreUnavailable(logger, e, "approvals");
            return Refusal.StoreUnavailable("grant store unavailable; cannot list approvals");
        }
    }

    public Task<BrokerResult<ApprovalRecord>> ApproveAsync(string approvalId, string approverId, string? comment, CancellationToken cancellationToken) =>
        DecideAsync(approvalId, approverId, approve: true, comment, "comment", cancellationToken);

    public Task<BrokerResult<ApprovalRecord>> DenyAsync(string approvalId, string approverId, string? reason, CancellationToken cancellationToken) =>
        DecideAsync(approvalId, approverId, approve: false, reason, "reason", cancellationToken);

    private async Task<BrokerResult<ApprovalRecord>> DecideAsync(string approvalId, string approverId, bool approve, string? note, string noteField, CancellationToken cancellationToken)
    {
        if (FieldChecks.ApprovalId(approvalId) is { } badId)
        {
            return badId;
        }

        if (FieldChecks.Text(note, noteField, InputLimits.ReasonMaxLength, required: false) is { } badNote)
        {
            return badNote;
        }

        try
        {
            var approval = await store.GetApprovalAsync(approvalId, cancellationToken).ConfigureAwait(false);
            if (approval is null)
            {
                return Refusal.NotFound($"approval {approvalId} is unknown or long expired");
            }

            // Invariant 7: whoever asked for access never approves it, whatever roles policy gives them.
            if (string.Equals(approval.WorkloadId, approverId, StringComparison.Ordinal))
            {
                CoreLog.ApprovalBrokerSelfApprovalRefused(logger, approvalId, approverId);
                return Refusal.Denied($"approval {approvalId} was requested by {approverId}, which may not decide its own request (separation of duties)");
            }

            var change = await store.DecideApprovalAsync(approvalId, approve, approverId, string.IsNullOrWhiteSpace(note) ? null : note, cancellationToken).ConfigureAwait(false);
            switch (change.Outcome)
            {
                case ApprovalChangeOutcome.Changed:
                    CoreLog.ApprovalBrokerDecided(logger, approvalId, approve ? "approved" : "denied", approverId, approval.WorkloadId, approval.TaskId);

                    // The decision stands once stored; its record names the approver (the call's caller).
                    await audit.TryAppendAsync(ApprovalAudit.Decided(change.Record!, approve), cancellationToken).ConfigureAwait(false);
                    return BrokerResult<ApprovalRecord>.Ok(change.Record!);
                case ApprovalChangeOutcome.WrongState when change.Record is { } record:
                    return Refusal.Precondition(record.State == ApprovalState.Expired
                        ? $"approval {approvalId} expired at {record.ExpiresAt:yyyy-MM-ddTHH:mm:ssZ}"
                        : $"approval {approvalId} was already decided: {record.State.ToString().ToLowerInvariant()} by {record.DecidedBy}");
                default:
                    return Refusal.NotFound($"approval {approvalId} is unknown or long expired");
            }
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.ApprovalBrokerStoreUnavailable(logger, e, approvalId);
            return Refusal.StoreUnavailable("grant store unavailable; the approval was not decided");
        }
    }
}
