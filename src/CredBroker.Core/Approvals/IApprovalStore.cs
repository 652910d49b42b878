using CredBroker.Core.Grants;

namespace CredBroker.Core.Approvals;

/// <summary>
/// Approvals as the store keeps them. Every state change is one atomic step in the store, so two
/// approvers, or two replicas collecting for the same agent, cannot both win: an approval is decided
/// once and yields exactly one grant. Stamped and expired by the store's clock, so replicas agree.
/// </summary>
public interface IApprovalStore
{
    ValueTask<ApprovalRecord> CreateApprovalAsync(ApprovalDraft draft, TimeSpan lifetime, CancellationToken cancellationToken);

    /// <summary>The approval with its state as of now (pending and approved ones expire); null when unknown.</summary>
    ValueTask<ApprovalRecord?> GetApprovalAsync(string approvalId, CancellationToken cancellationToken);

    /// <summary>Pending to approved or denied; refused unless pending and unexpired.</summary>
    ValueTask<ApprovalChange> DecideApprovalAsync(string approvalId, bool approve, string decidedBy, string? reason, CancellationToken cancellationToken);

    /// <summary>Approved to collected, for the workload and task that asked only; refused unless approved and unexpired.</summary>
    ValueTask<ApprovalChange> CollectApprovalAsync(string approvalId, string workloadId, string taskId, CancellationToken cancellationToken);

    /// <summary>Pending, unexpired approvals by expiry then id, after <paramref name="after"/>.</summary>
    ValueTask<ApprovalPage> ListPendingApprovalsAsync(int pageSize, PageCursor? after, CancellationToken cancellationToken);
}
