using System.Globalization;
using CredBroker.Redis;
using StackExchange.Redis;

namespace CredBroker.LoadTest.Scale;

/// <summary>Where a grant's bytes go: <c>MEMORY USAGE</c> of each key one task of ten grants holds, and of one grant index.</summary>
public static class MemoryUsage
{
    public static async Task<string> DescribeAsync(IDatabase db, string prefix, string taskId)
    {
        ArgumentNullException.ThrowIfNull(db);
        var grants = await db.SortedSetRangeByRankAsync(RedisKeys.TaskGrants(prefix, taskId));
        if (grants.Length == 0)
        {
            return $"memory usage: task {taskId} has no grants to sample";
        }

        var grantId = (string)grants[0]!;
        var records = await UsageAsync(db, RedisKeys.GrantRecords(prefix, taskId));
        var index = await UsageAsync(db, RedisKeys.GrantIndex(prefix, grantId));
        var set = await UsageAsync(db, RedisKeys.TaskGrants(prefix, taskId));
        var task = await UsageAsync(db, RedisKeys.Task(prefix, taskId));
        var perGrant = index + ((records + set + task) / (double)grants.Length);
        return string.Create(CultureInfo.InvariantCulture,
            $"memory usage (MEMORY USAGE, one task of {grants.Length}): task grant records {records} B, grant index {index} B each, task grant set {set} B, task fence {task} B; {perGrant:0} B per grant before Redis's per-key overhead (dict entry, expiry entry)");
    }

    private static async Task<long> UsageAsync(IDatabase db, RedisKey key) => (long)await db.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0");
}
