using System.Globalization;
using CredBroker.Core.Approvals;

namespace CredBroker.Core.Audit;

/// <summary>The audit events of requests held for approval and of the people who decide them.</summary>
public static class ApprovalAudit
{
    public static AuditEntry Pending(ApprovalRecord approval) => Describe(new AuditEntry(AuditKinds.GrantPending, "pending"), approval) with
    {
        Reason = approval.Reason,
    };

    /// <summary>The approver is the call's caller; the record names it again as <c>decided_by</c>.</summary>
    public static AuditEntry Decided(ApprovalRecord approval, bool approved) =>
        Describe(new AuditEntry(approved ? AuditKinds.ApprovalApproved : AuditKinds.ApprovalDenied, approved ? "approved" : "denied"), approval) with
        {
            Reason = approval.DecisionReason ?? string.Empty,
        };

    private static AuditEntry Describe(AuditEntry entry, ApprovalRecord approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        var evidence = new Dictionary<string, string>(approval.Context, StringComparer.Ordinal)
        {
            ["approval_id"] = approval.ApprovalId,
            ["rule"] = approval.Rule,
            ["expires_at"] = approval.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
        };
        if (approval.DecidedBy is { } by)
        {
            evidence["decided_by"] = by;
        }

        return entry with
        {
            WorkloadId = approval.WorkloadId,
            Owner = approval.Owner,
            TaskId = approval.TaskId,
            Purpose = approval.Purpose,
            Tools = approval.Tools,
            Evidence = evidence,
        };
    }
}
