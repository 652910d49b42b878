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

    public static AuditEntry Lifted(RevocationRule rule) => Describe(new AuditEntry(AuditKinds.KillSwitchReleased, "released"), rule);

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
