namespace CredBroker.Core.Audit;

/// <summary>The kinds of audited decisions. Names are part of the log's format: SIEM rules match on them.</summary>
internal static class AuditKinds
{
    public const string GrantIssued = "grant.issued";

    /// <summary>A delegated grant issued by <c>ExchangeGrant</c>: names the child (<c>actor</c>), the root workload and the parent grant.</summary>
    public const string GrantExchanged = "grant.exchanged";
    public const string GrantRefused = "grant.refused";
    public const string GrantPending = "grant.pending";
    public const string ApprovalApproved = "approval.approved";
    public const string ApprovalDenied = "approval.denied";
    public const string GrantReleased = "grant.released";
    public const string GrantRevoked = "revocation.grant";
    public const string TaskOpened = "task.opened";
    public const string TaskRevoked = "revocation.task";
    public const string WorkloadRevoked = "revocation.workload";
    public const string ToolRevoked = "revocation.tool";
    public const string ToolReleased = "tool.released";
    public const string KillSwitchEngaged = "killswitch.engaged";
    public const string KillSwitchReleased = "killswitch.released";
    public const string Anomaly = "anomaly";
    public const string PolicyReloaded = "policy.reloaded";
    public const string PolicyReloadRefused = "policy.reload_refused";
    public const string ToolUse = "tool.use";
    public const string Checkpoint = "audit.checkpoint";
}
