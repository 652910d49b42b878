using System.Globalization;
using StackExchange.Redis;

namespace CredBroker.LoadTest.Scale;

/// <summary>The figures the scale run reads from <c>INFO</c>: memory, key count, and calls per command.</summary>
public sealed class RedisInfo(IServer server)
{
    /// <summary><c>used_memory</c> in bytes.</summary>
    public async Task<long> UsedMemoryAsync()
    {
        var memory = await server.InfoAsync("memory");
        return long.Parse(Field(memory, "used_memory"), CultureInfo.InvariantCulture);
    }

    public async Task<long> KeyCountAsync() => await server.DatabaseSizeAsync();

    /// <summary>Calls so far per command (<c>INFO commandstats</c>); commands a script runs count too.</summary>
    public async Task<Dictionary<string, long>> CommandCallsAsync()
    {
        var stats = await server.InfoAsync("commandstats");
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in stats.SelectMany(g => g))
        {
            // cmdstat_xadd:calls=3,usec=41,usec_per_call=13.67,rejected_calls=0,failed_calls=0
            var count = value.Split(',').FirstOrDefault(p => p.StartsWith("calls=", StringComparison.Ordinal));
            if (key.StartsWith("cmdstat_", StringComparison.Ordinal) && count is not null)
            {
                calls[key["cmdstat_".Length..]] = long.Parse(count["calls=".Length..], CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }

    /// <summary>Commands called between two <see cref="CommandCallsAsync"/> snapshots.</summary>
    public static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.Select(e => (e.Key, Calls: e.Value - before.GetValueOrDefault(e.Key)))
            .Where(e => e.Calls > 0)
            .ToDictionary(e => e.Key, e => e.Calls, StringComparer.Ordinal);
    }

    /// <summary>Commands that change the dataset (the ones that would be fsynced to the AOF).</summary>
    public static readonly HashSet<string> Writes = new(StringComparer.Ordinal)
    {
        "set", "setex", "psetex", "del", "unlink", "hset", "hdel", "hsetnx", "hmset", "zadd", "zrem", "zremrangebyscore",
        "xadd", "xtrim", "xdel", "expire", "pexpire", "expireat", "pexpireat", "persist", "incr", "incrby", "sadd", "srem",
        "lpush", "rpush", "lpop", "rpop",
    };

    private static string Field(IGrouping<string, KeyValuePair<string, string>>[] info, string name) =>
        info.SelectMany(g => g).First(e => e.Key == name).Value;
}
