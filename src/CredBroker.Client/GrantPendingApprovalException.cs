namespace CredBroker.Client;

/// <summary>
/// The broker neither granted nor refused: a policy rule needs a person's approval first. Collect
/// the grant later by asking again with <see cref="ApprovalId"/>.
/// </summary>
public sealed class GrantPendingApprovalException : Exception
{
    /// <summary>A pending approval with no id; for serialisation and tests. The client always sets the id.</summary>
    public GrantPendingApprovalException()
        : this(string.Empty, "approval required", null)
    {
    }

    /// <summary>A pending approval with no id and <paramref name="message"/> as its reason.</summary>
    public GrantPendingApprovalException(string message)
        : this(string.Empty, message, null)
    {
    }

    /// <summary>A pending approval with no id, <paramref name="message"/> as its reason, caused by <paramref name="innerException"/>.</summary>
    public GrantPendingApprovalException(string message, Exception innerException)
        : base(message, innerException)
    {
        ApprovalId = string.Empty;
        Reason = message;
    }

    /// <summary>The broker held the request for approval <paramref name="approvalId"/>.</summary>
    /// <param name="approvalId">The approval request's id, which a person approves or denies.</param>
    /// <param name="reason">Why approval is needed (which rule).</param>
    /// <param name="expiresAt">When the approval request lapses if nobody decides; null when it does not.</param>
    public GrantPendingApprovalException(string approvalId, string reason, DateTimeOffset? expiresAt)
        : base($"approval {approvalId} is pending: {reason}")
    {
        ApprovalId = approvalId;
        Reason = reason;
        ExpiresAt = expiresAt;
    }

    /// <summary>The approval request's id: what an approver decides on (<c>credbroker approvals approve &lt;id&gt;</c>, <see cref="CredBrokerClient.ApproveAsync"/>).</summary>
    public string ApprovalId { get; }

    /// <summary>Why approval is needed (which rule).</summary>
    public string Reason { get; }

    /// <summary>When the approval request lapses if nobody decides.</summary>
    public DateTimeOffset? ExpiresAt { get; }
}
