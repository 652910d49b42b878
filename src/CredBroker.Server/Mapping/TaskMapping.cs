using CredBroker.Core.Tasks;
using CredBroker.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using CoreOpenTaskRequest = CredBroker.Core.Tasks.OpenTaskRequest;
using WireOpenTaskRequest = CredBroker.Protocol.V1.OpenTaskRequest;

namespace CredBroker.Server.Mapping;

/// <summary>Task messages to Core and back.</summary>
public static class TaskMapping
{
    public static CoreOpenTaskRequest ToCore(WireOpenTaskRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new CoreOpenTaskRequest(
            request.TaskId,
            request.WorkloadId,
            request.Purpose,
            request.Owner,
            request.Tools.ToList(),
            request.MaxDuration is { } d ? DurationMapping.ToTimeSpan(d, "max_duration") : null);
    }

    public static TaskInfo ToProto(TaskRecord record, DateTimeOffset? revokedAt, long liveGrants, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        var info = new TaskInfo
        {
            TaskId = record.TaskId,
            WorkloadId = record.WorkloadId,
            Purpose = record.Purpose,
            Owner = record.Owner,
            Tools = { record.Tools },
            OpenedAt = Timestamp.FromDateTimeOffset(record.OpenedAt),
            LiveGrants = liveGrants,
            State = revokedAt is not null ? TaskState.Revoked
                : record.Deadline is { } d && d <= now ? TaskState.Expired
                : TaskState.Open,
        };
        if (record.Deadline is { } deadline)
        {
            info.Deadline = Timestamp.FromDateTimeOffset(deadline);
        }

        if (revokedAt is { } revoked)
        {
            info.RevokedAt = Timestamp.FromDateTimeOffset(revoked);
        }

        return info;
    }

    /// <summary>A task known only by its revocation (it was revoked before it was opened or used).</summary>
    public static TaskInfo Revoked(string taskId, DateTimeOffset revokedAt) =>
        new() { TaskId = taskId, State = TaskState.Revoked, RevokedAt = Timestamp.FromDateTimeOffset(revokedAt) };
}
