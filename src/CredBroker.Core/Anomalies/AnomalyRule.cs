namespace CredBroker.Core.Anomalies;

/// <summary>What an anomaly rule counts.</summary>
public enum AnomalySignal
{
    /// <summary>Refused requests for tools out of scope (policy deny, outside the envelope, unknown tool).</summary>
    ScopeProbing,
    /// <summary>Grants issued.</summary>
    GrantRate,
    /// <summary>A revoked or expired token presented to a tool (reported by the tool server).</summary>
    RevokedTokenUse,
    /// <summary>A token presented by a workload other than its subject (reported by the tool server).</summary>
    WorkloadMismatch,
    /// <summary>An external detector's <c>AdminService.ReportAnomaly</c>.</summary>
    Reported,
    /// <summary>A refused request naming a task that belongs to another workload; counted against the caller only.</summary>
    ForeignTask,
}

/// <summary>Whose events a rule counts together.</summary>
public enum AnomalyScope
{
    Task,
    Workload,
}

/// <summary>What a rule does when it fires, within the request that made it fire.</summary>
public enum AnomalyAction
{
    /// <summary>Refuse the request that fired it (a grant), and record.</summary>
    Deny,
    /// <summary>Revoke the task: every grant of it dies, none can be added.</summary>
    RevokeTask,
    /// <summary>Revoke the workload's tokens and refuse its grants for <see cref="AnomalyRule.Quarantine"/>.</summary>
    QuarantineWorkload,
    /// <summary>Revoke every token carrying the tools involved and refuse their grants for <see cref="AnomalyRule.Quarantine"/>, or until released.</summary>
    RevokeTool,
}

/// <summary>
/// An anomaly rule from the policy's <c>anomalies:</c> section: it fires when <see cref="Threshold"/>
/// events of its signal for one task or workload fall within <see cref="Window"/> (the event that
/// reaches the threshold fires it, and each one after it while the window holds them).
/// </summary>
/// <param name="Kind">For <see cref="AnomalySignal.Reported"/>: the reported kind it matches; null matches any.</param>
public sealed record AnomalyRule(
    string Name,
    AnomalySignal Signal,
    AnomalyScope Per,
    int Threshold,
    TimeSpan Window,
    AnomalyAction Action,
    TimeSpan? Quarantine = null,
    string? Kind = null)
{
    public bool Matches(AnomalySignal signal, string kind) =>
        Signal == signal && (Kind is null || string.Equals(Kind, kind, StringComparison.Ordinal));
}
