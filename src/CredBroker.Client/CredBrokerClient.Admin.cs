using CredBroker.Client.Internal;
using CredBroker.Protocol.V1;

namespace CredBroker.Client;

/// <summary>What operators and approvers do: list live grants, list and decide held requests.</summary>
public sealed partial class CredBrokerClient
{
    /// <summary>Every live grant matching the filters (null: any), following page tokens. Role: operator.</summary>
    public async Task<IReadOnlyList<ListedGrant>> ListGrantsAsync(string? taskId = null, string? workloadId = null, string? tool = null, CancellationToken cancellationToken = default)
    {
        var all = new List<ListedGrant>();
        var token = string.Empty;
        do
        {
            var request = new ListGrantsRequest { TaskId = taskId ?? string.Empty, WorkloadId = workloadId ?? string.Empty, Tool = tool ?? string.Empty, PageSize = 500, PageToken = token };
            var page = await CallAsync(options => stubs.Admin.ListGrantsAsync(request, options), cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Grants.Select(g => new ListedGrant(g.GrantId, g.TaskId, g.WorkloadId, g.Tools.ToList(), g.Purpose, g.Owner, g.Audience, Mapping.Time(g.IssuedAt) ?? default, Mapping.Time(g.ExpiresAt) ?? default)));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    /// <summary>Every pending approval, following page tokens. Role: approver or operator.</summary>
    public async Task<IReadOnlyList<HeldRequest>> ListApprovalsAsync(CancellationToken cancellationToken = default)
    {
        var all = new List<HeldRequest>();
        var token = string.Empty;
        do
        {
            var request = new ListApprovalsRequest { PageSize = 500, PageToken = token };
            var page = await CallAsync(options => stubs.Admin.ListApprovalsAsync(request, options), cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Approvals.Select(a => new HeldRequest(a.ApprovalId, a.WorkloadId, a.Owner, a.TaskId, a.Purpose, a.Tools.ToList(), a.Context.ToDictionary(StringComparer.Ordinal), a.Reason, Mapping.Time(a.RequestedAt) ?? default, Mapping.Time(a.ExpiresAt) ?? default)));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    /// <summary>Approves a held request; its agent can then collect exactly one grant. Role: approver, never the requester.</summary>
    public async Task<ApprovalOutcome> ApproveAsync(string approvalId, string? comment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(approvalId);
        var decision = await CallAsync(options => stubs.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = approvalId, Comment = comment ?? string.Empty }, options), cancellationToken).ConfigureAwait(false);
        return ToOutcome(decision);
    }

    /// <summary>Denies a held request. Role: approver, never the requester.</summary>
    public async Task<ApprovalOutcome> DenyAsync(string approvalId, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(approvalId);
        var decision = await CallAsync(options => stubs.Admin.DenyGrantAsync(new DenyGrantRequest { ApprovalId = approvalId, Reason = reason ?? string.Empty }, options), cancellationToken).ConfigureAwait(false);
        return ToOutcome(decision);
    }

    private static ApprovalOutcome ToOutcome(ApprovalDecision d) =>
        new(d.ApprovalId, d.Status.ToString().ToLowerInvariant(), d.DecidedBy, Mapping.Time(d.DecidedAt), d.Reason);
}
