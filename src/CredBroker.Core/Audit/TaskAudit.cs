using System.Globalization;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;

namespace CredBroker.Core.Audit;

/// <summary>The audit events of task decisions.</summary>
public static class TaskAudit
{
    public static AuditEntry Opened(TaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new AuditEntry(AuditKinds.TaskOpened, "opened")
        {
            WorkloadId = task.WorkloadId,
            Owner = task.Owner,
            TaskId = task.TaskId,
            Purpose = task.Purpose,
            Tools = task.Tools,
            Evidence = task.Deadline is { } deadline
                ? new Dictionary<string, string> { ["deadline"] = deadline.ToString("O", CultureInfo.InvariantCulture) }
                : new Dictionary<string, string>(),
        };
    }

    public static AuditEntry Revoked(string taskId, string reason, TaskRevocationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new AuditEntry(AuditKinds.TaskRevoked, result.AlreadyRevoked ? "already_revoked" : "revoked")
        {
            TaskId = taskId,
            Reason = reason,
            Evidence = new Dictionary<string, string>
            {
                ["scope"] = "task",
                ["revoked_grants"] = result.RevokedGrants.ToString(CultureInfo.InvariantCulture),
                ["revoked_at"] = result.RevokedAt.ToString("O", CultureInfo.InvariantCulture),
            },
        };
    }
}
