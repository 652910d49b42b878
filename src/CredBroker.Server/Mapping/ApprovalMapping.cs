using CredBroker.Core.Approvals;
using CredBroker.Core.Grants;
using CredBroker.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace CredBroker.Server.Mapping;

/// <summary>Approvals to protocol messages.</summary>
public static class ApprovalMapping
{
    public static RequestGrantResponse ToProto(GrantOutcome.Pending pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var a = pending.Approval;
        return new RequestGrantResponse
        {
            Pending = new PendingApproval { ApprovalId = a.ApprovalId, Reason = a.Reason, ExpiresAt = Timestamp.FromDateTimeOffset(a.ExpiresAt) },
        };
    }

    public static ListApprovalsResponse ToProto(ApprovalPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var response = new ListApprovalsResponse { NextPageToken = page.NextPageToken ?? string.Empty };
        response.Approvals.AddRange(page.Approvals.Select(a => new ApprovalRequestInfo
        {
            ApprovalId = a.ApprovalId,
            WorkloadId = a.WorkloadId,
            Owner = a.Owner,
            TaskId = a.TaskId,
            Purpose = a.Purpose,
            Tools = { a.Tools },
            Context = { a.Context.ToDictionary(StringComparer.Ordinal) },
            Reason = a.Reason,
            RequestedAt = Timestamp.FromDateTimeOffset(a.RequestedAt),
            ExpiresAt = Timestamp.FromDateTimeOffset(a.ExpiresAt),
        }));
        return response;
    }

    public static ApprovalDecision ToDecision(ApprovalRecord approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        return new ApprovalDecision
        {
            ApprovalId = approval.ApprovalId,
            Status = approval.State switch
            {
                ApprovalState.Pending => ApprovalStatus.Pending,
                ApprovalState.Approved => ApprovalStatus.Approved,
                ApprovalState.Denied => ApprovalStatus.Denied,
                ApprovalState.Collected => ApprovalStatus.Collected,
                _ => ApprovalStatus.Expired,
            },
            DecidedBy = approval.DecidedBy ?? string.Empty,
            DecidedAt = approval.DecidedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
            Reason = approval.DecisionReason ?? string.Empty,
        };
    }
}
