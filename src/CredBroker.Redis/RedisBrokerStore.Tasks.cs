using System.Globalization;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>Task fences: open-task and get-task, each one script over the task's keys.</summary>
public sealed partial class RedisBrokerStore
{
    public async ValueTask<TaskOpenResult> OpenTaskAsync(TaskRecord task, TimeSpan maxDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var reply = await RunAsync("open task", task.TaskId, db => db.ScriptEvaluateAsync(RedisScripts.OpenTask, new
        {
            taskRevoked = RedisKeys.TaskRevoked(prefix, task.TaskId),
            task = RedisKeys.Task(prefix, task.TaskId),
            workloadId = task.WorkloadId,
            owner = task.Owner,
            purpose = task.Purpose,
            tools = GrantFields.JoinTools(task.Tools),
            maxDurationMs = Millis(maxDuration),
            retentionMs = Millis(storeOptions.RevokedTaskRetention),
        }), cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        return (long)values[0] switch
        {
            0 => new TaskOpenResult.TaskRevoked(GrantFields.Time(values[1])),
            2 => new TaskOpenResult.AlreadyExists(Record(task.TaskId, values, 1)),
            _ => new TaskOpenResult.Opened(task with { Opened = true, OpenedAt = GrantFields.Time(values[1]), Deadline = GrantFields.Time(values[2]) }),
        };
    }

    public async ValueTask<TaskView> GetTaskAsync(string taskId, CancellationToken cancellationToken)
    {
        var reply = await RunAsync("read task", taskId, db => db.ScriptEvaluateAsync(RedisScripts.GetTask, new
        {
            taskRevoked = RedisKeys.TaskRevoked(prefix, taskId),
            taskGrants = RedisKeys.TaskGrants(prefix, taskId),
            task = RedisKeys.Task(prefix, taskId),
        }), cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        var revokedAt = (string?)values[1] is { Length: > 0 } ? GrantFields.Time(values[1]) : (DateTimeOffset?)null;
        var record = (string?)values[3] is { Length: > 0 } ? Record(taskId, values, 3) : null;
        return new TaskView(taskId, record, revokedAt, (long)values[2], GrantFields.Time(values[0]));
    }

    /// <summary>Reads workload, owner, purpose, tools, opened, opened_at, deadline from <paramref name="values"/> at <paramref name="at"/>.</summary>
    private static TaskRecord Record(string taskId, RedisResult[] values, int at)
    {
        var deadline = (string?)values[at + 6];
        return new TaskRecord(
            taskId,
            (string)values[at]!,
            (string?)values[at + 1] ?? string.Empty,
            (string?)values[at + 2] ?? string.Empty,
            GrantFields.SplitTools((string?)values[at + 3] ?? string.Empty),
            (string?)values[at + 4] == "1",
            GrantFields.Time(values[at + 5]),
            string.IsNullOrEmpty(deadline) ? null : GrantFields.Time(values[at + 6]));
    }

    private static string Millis(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
