using System.Globalization;
using CredBroker.Core.Grants;
using StackExchange.Redis;

namespace CredBroker.Redis;

public sealed partial class RedisBrokerStore
{
    /// <summary>Candidates read per call at most, so one ListGrants with a narrow filter stays a bounded amount of work.</summary>
    private const int MaxScannedPerPage = 2000;

    /// <summary>Tasks read from the live-task index per round trip.</summary>
    private const int TasksPerBatch = 16;

    /// <summary>A within-task cursor past every grant of the task: the last millisecond of year 9999.</summary>
    private static readonly long EndOfTask = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>
    /// Lists task by task: the live-task index in (bound, task id) order, and each task's live grants in
    /// (exp, grant id) order. The cursor's group is "bound:task id" of the task the page ended in. A task
    /// that gets a new grant between pages may move later in the index and be listed again, never skipped.
    /// </summary>
    public async ValueTask<GrantPage> ListGrantsAsync(GrantFilter filter, int pageSize, PageCursor? after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var found = new List<GrantRecord>(pageSize);
        var scanned = 0;
        var position = TaskPosition.Parse(after);
        if (filter.TaskId is { } only)
        {
            // One task: its own grants, no index to walk.
            var within = position?.TaskId == only ? after : null;
            var grants = await TaskGrantsAsync(only, within, MaxScannedPerPage, cancellationToken).ConfigureAwait(false);
            return Take(grants, new TaskPosition(0, only), MaxScannedPerPage) ?? new GrantPage(found, null);
        }

        if (position is { } resume
            && Take(await TaskGrantsAsync(resume.TaskId, after, MaxScannedPerPage, cancellationToken).ConfigureAwait(false), resume, MaxScannedPerPage) is { } resumed)
        {
            return resumed;
        }

        var taskCursor = position?.AsCursor();
        while (scanned < MaxScannedPerPage)
        {
            var tasks = await CandidatesAsync(RedisKeys.LiveTasks(prefix), taskCursor, TasksPerBatch, cancellationToken).ConfigureAwait(false);
            if (tasks.Count == 0)
            {
                return new GrantPage(found, null);
            }

            var grants = await Task.WhenAll(tasks.Select(t => TaskGrantsAsync(t.Id, null, pageSize, cancellationToken))).ConfigureAwait(false);
            for (var i = 0; i < tasks.Count; i++)
            {
                // A task with nothing live left (revoked, expired) still costs a read.
                scanned++;
                taskCursor = tasks[i];
                if (Take(grants[i], new TaskPosition(tasks[i].ExpiresAtMs, tasks[i].Id), pageSize) is { } page)
                {
                    return page;
                }
            }
        }

        // Bounded work: the page is short, and the caller goes on after the last task scanned.
        return new GrantPage(found, new PageCursor(EndOfTask, "g_", new TaskPosition(taskCursor!.Value.ExpiresAtMs, taskCursor.Value.Id).ToString()).Encode());

        // Adds the matching grants of one task. A page ends when it is full, or short when the task
        // may hold more than was read (limit reached), so no grant is ever skipped.
        GrantPage? Take(IReadOnlyList<GrantRecord> grants, TaskPosition task, int limit)
        {
            foreach (var grant in grants)
            {
                scanned++;
                if (filter.Matches(grant))
                {
                    found.Add(grant);
                    if (found.Count == pageSize)
                    {
                        return new GrantPage(found, (PageCursor.Of(grant) with { Group = task.ToString() }).Encode());
                    }
                }
            }

            return grants.Count == limit
                ? new GrantPage(found, (PageCursor.Of(grants[^1]) with { Group = task.ToString() }).Encode())
                : null;
        }
    }

    /// <summary>Live grants of one task after <paramref name="after"/> (exp, grant id), at most <paramref name="limit"/>.</summary>
    private async Task<IReadOnlyList<GrantRecord>> TaskGrantsAsync(string taskId, PageCursor? after, int limit, CancellationToken cancellationToken)
    {
        var reply = await RunAsync("list task grants", taskId, db => db.ScriptEvaluateAsync(RedisScripts.ListTaskGrants, new
        {
            taskRevoked = RedisKeys.TaskRevoked(prefix, taskId),
            task = RedisKeys.Task(prefix, taskId),
            taskGrants = RedisKeys.TaskGrants(prefix, taskId),
            records = RedisKeys.GrantRecords(prefix, taskId),
            taskId,
            afterExp = after is { } a ? a.ExpiresAtMs.ToString(CultureInfo.InvariantCulture) : string.Empty,
            afterId = after?.Id ?? string.Empty,
            limit,
        }), cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        var grants = new List<GrantRecord>(values.Length / 9);
        for (var i = 0; i + 9 <= values.Length; i += 9)
        {
            grants.Add(GrantFields.ToRecord((string)values[i]!, values, i + 1));
        }

        return grants;
    }

    /// <summary>A task's place in the live-task index, as a page token's group: "bound:task id".</summary>
    private readonly record struct TaskPosition(long Bound, string TaskId)
    {
        public static TaskPosition? Parse(PageCursor? cursor)
        {
            if (cursor?.Group is not { } group)
            {
                return null;
            }

            var colon = group.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && long.TryParse(group.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var bound) && colon + 1 < group.Length
                ? new TaskPosition(bound, group[(colon + 1)..])
                : null;
        }

        public PageCursor AsCursor() => new(Bound, TaskId);

        public override string ToString() => Bound.ToString(CultureInfo.InvariantCulture) + ":" + TaskId;
    }

    /// <summary>Ids from an index sorted by expiry (live grants, pending approvals), after the cursor; drops expired entries.</summary>
    private async Task<List<PageCursor>> CandidatesAsync(RedisKey index, PageCursor? after, int limit, CancellationToken cancellationToken)
    {
        var reply = await RunAsync("list", index.ToString(), db => db.ScriptEvaluateAsync(RedisScripts.ListExpiring, new
        {
            live = index,
            limit,
            afterExp = after is { } a ? a.ExpiresAtMs.ToString(CultureInfo.InvariantCulture) : string.Empty,
            afterId = after?.Id ?? string.Empty,
        }), cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        var candidates = new List<PageCursor>(values.Length / 2);
        for (var i = 0; i + 1 < values.Length; i += 2)
        {
            candidates.Add(new PageCursor((long)values[i + 1], (string)values[i]!));
        }

        return candidates;
    }
}
