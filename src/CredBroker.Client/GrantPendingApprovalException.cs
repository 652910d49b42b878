namespace CredBroker.Client;

/// <summary>
/// The broker neither granted nor refused: a policy rule needs a person's approval first. Collect
/// the grant later by asking again with <see cref="ApprovalId"/>.
/// </summary>
public sealed class GrantPendingApprovalException : Exception
{
    public GrantPendingApprovalException()
        : this(string.Empty, "approval required", null)
    {
    }

    public GrantPendingApprovalException(string message)
        : this(string.Empty, message, null)
    {
    }

    public GrantPendingApprovalException(string message, Exception innerException)
        : base(message, innerException)
    {
        ApprovalId = string.Empty;
        Reason = message;
    }

    public GrantPendingApprovalException(string approvalId, string reason, DateTimeOffset? expiresAt)
        : base($"approval {approvalId} is pending: {reason}")
    {
        ApprovalId = approvalId;
        Reason = reason;
        ExpiresAt = expiresAt;
    }

    public string ApprovalId { get; }

    /// <summary>Why approval is needed (which rule).</summary>
    public string Reason { get; }

    /// <summary>When the approval request lapses if nobody decides.</summary>
    public DateTimeOffset? ExpiresAt { get; }
}
