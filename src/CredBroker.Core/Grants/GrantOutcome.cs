namespace CredBroker.Core.Grants;

/// <summary>What became of a grant request.</summary>
public abstract record GrantOutcome
{
    private GrantOutcome()
    {
    }

    /// <summary>The grant is stored and its token signed.</summary>
    public sealed record Issued(GrantRecord Grant, string AccessToken) : GrantOutcome;

    /// <summary>Policy holds the request for a person; the agent waits (AwaitApproval) or collects it later with the approval id.</summary>
    public sealed record Pending(Approvals.ApprovalRecord Approval) : GrantOutcome;

    public sealed record Refused(Refusal Refusal) : GrantOutcome
    {
        /// <summary>The id the refused grant would have had, for its audit record, when it got that far (an anomaly pre-check); else null.</summary>
        public string? GrantId { get; init; }
    }
}
