using CredBroker.Core.Grants;
using CredBroker.Core.Storage;

namespace CredBroker.Core.Tasks;

/// <summary>
/// Whether a grant fits its task's fence: the task's workload, and for an opened task its tool
/// envelope and deadline. Stores run this inside their atomic insert (the Redis script mirrors it).
/// </summary>
public static class TaskFence
{
    public static GrantInsertResult? Check(TaskRecord task, GrantDraft draft, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(draft);
        if (!string.Equals(task.WorkloadId, draft.WorkloadId, StringComparison.Ordinal))
        {
            return new GrantInsertResult.TaskOwnedByOther(task.WorkloadId);
        }

        if (!task.Opened)
        {
            return null;
        }

        if (draft.Tools.FirstOrDefault(t => !task.Tools.Contains(t, StringComparer.Ordinal)) is { } outside)
        {
            return new GrantInsertResult.OutsideEnvelope(outside);
        }

        // Whole seconds, as the token: a deadline inside the current second leaves no lifetime.
        if (task.Deadline is { } deadline && deadline.ToUnixTimeSeconds() <= now.ToUnixTimeSeconds())
        {
            return new GrantInsertResult.TaskExpired(deadline);
        }

        return null;
    }
}
