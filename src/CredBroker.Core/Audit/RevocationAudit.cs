using System.Globalization;
using CredBroker.Core.Revocation;

namespace CredBroker.Core.Audit;

/// <summary>The audit events of mass revocations and the kill switch, naming their scope.</summary>
public static class RevocationAudit
{
    public static AuditEntry Written(RevocationRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var (kind, decision) = rule.Kind switch
        {
            RevocationKind.All => (AuditKinds.KillSwitchEngaged, "engaged"),
            RevocationKind.Workload => (AuditKinds.WorkloadRevoked, rule.LiftedAt is null ? "revoked" : "quarantined"),
            RevocationKind.Tool => (AuditKinds.ToolRevoked, "revoked"),
            RevocationKind.Task => (AuditKinds.TaskRevoked, "revoked"),
            _ => (AuditKinds.GrantRevoked, "revoked"),
        };
        return Describe(new AuditEntry(kind, decision), rule);
    }

    /// <param name="reason">Why it was lifted, when the operator said; else the rule's own reason is kept.</param>
    public static AuditEntry Lifted(RevocationRule rule, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var kind = rule.Kind == RevocationKind.Tool ? AuditKinds.ToolReleased : AuditKinds.KillSwitchReleased;
        var entry = Describe(new AuditEntry(kind, "released"), rule);
        return string.IsNullOrEmpty(reason) ? entry : entry with { Reason = reason };
    }

    private static AuditEntry Describe(AuditEntry entry, RevocationRule rule)
    {
        var evidence = new Dictionary<string, string>
        {
            ["scope"] = rule.Kind.ToString().ToLowerInvariant(),
            ["subject"] = rule.Subject,
            ["revoked_at"] = rule.RevokedAt.ToString("O", CultureInfo.InvariantCulture),
        };
        if (rule.LiftedAt is { } lifted)
        {
            evidence["lifted_at"] = lifted.ToString("O", CultureInfo.InvariantCulture);
        }

        return entry with
        {
            WorkloadId = rule.Kind == RevocationKind.Workload ? rule.Subject : string.Empty,
            TaskId = rule.Kind == RevocationKind.Task ? rule.Subject : string.Empty,
            GrantId = rule.Kind == RevocationKind.Grant ? rule.Subject : string.Empty,
            Tools = rule.Kind == RevocationKind.Tool ? [rule.Subject] : [],
            Reason = rule.Reason,
            Evidence = evidence,
        };
    }
}
