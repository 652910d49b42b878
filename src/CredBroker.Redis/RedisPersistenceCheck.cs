using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Invariant 3 needs a Redis that cannot lose an acknowledged revocation: AOF with
/// <c>appendfsync always</c> (Redis 7.0 has no WAITAOF), and <c>noeviction</c> so memory pressure
/// never evicts a rule. One reading asks each primary, in one round trip: the three settings
/// (CONFIG GET), <c>evicted_keys</c> and memory (INFO), and the server's clock (TIME); and the
/// revocation log's last id (XINFO STREAM), to tell a store that went back in time.
/// </summary>
public static class RedisPersistenceCheck
{
    private static readonly (string Setting, string Required)[] Requirements =
    [
        ("appendonly", "yes"),
        ("appendfsync", "always"),
        ("maxmemory-policy", "noeviction"),
    ];

    /// <summary>The problems found, empty when the server is safe. Throws when Redis cannot be asked.</summary>
    public static async Task<IReadOnlyList<string>> FindProblemsAsync(IConnectionMultiplexer redis) =>
        (await ReadAsync(redis, revocationLog: null).ConfigureAwait(false)).Problems;

    /// <summary>Reads every primary. Throws <see cref="RedisException"/> or <see cref="TimeoutException"/> when Redis cannot be asked.</summary>
    public static async Task<RedisSafetyReading> ReadAsync(IConnectionMultiplexer redis, RedisKey? revocationLog)
    {
        ArgumentNullException.ThrowIfNull(redis);
        // Sent first so it shares the round trip with the per-server commands.
        var lastId = revocationLog is { } log ? LastIdAsync(redis.GetDatabase(), log) : Task.FromResult<string?>(null);
        var problems = new List<string>();
        var evicting = false;
        var servers = new List<ServerReading>();
        var unreachable = 0;
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (!server.IsConnected)
            {
                // Nothing is proven about a server not reached: it must not count as safe.
                unreachable++;
                continue;
            }

            if (server.IsReplica)
            {
                continue;
            }

            var sent = Stopwatch.GetTimestamp();
            var config = server.ExecuteAsync("CONFIG", "GET", "appendonly", "appendfsync", "maxmemory-policy");
            var info = server.ExecuteAsync("INFO", "server", "stats", "memory");
            var time = server.ExecuteAsync("TIME");
            RedisResult configReply;
            try
            {
                configReply = await config.ConfigureAwait(false);
            }
            catch (RedisServerException e)
            {
                // Managed services often rename CONFIG; then persistence cannot be proven.
                problems.Add($"{endpoint}: cannot read configuration ({e.Message}); persistence cannot be verified");
                _ = info.ContinueWith(static t => t.Exception, TaskScheduler.Default);
                _ = time.ContinueWith(static t => t.Exception, TaskScheduler.Default);
                continue;
            }

            var values = Pairs((RedisResult[])configReply!);
            foreach (var (setting, required) in Requirements)
            {
                var actual = values.GetValueOrDefault(setting, "(unset)");
                if (!string.Equals(actual, required, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{endpoint}: {setting} is '{actual}', needs '{required}'");
                    evicting |= setting == "maxmemory-policy";
                }
            }

            var stats = Info((string)(await info.ConfigureAwait(false))!);
            var clock = (RedisResult[])(await time.ConfigureAwait(false))!;
            var roundTrip = Stopwatch.GetElapsedTime(sent);
            var serverNow = DateTimeOffset.FromUnixTimeMilliseconds(((long)clock[0] * 1000) + ((long)clock[1] / 1000));
            servers.Add(new ServerReading(
                endpoint.ToString() ?? string.Empty,
                stats.GetValueOrDefault("run_id", string.Empty),
                Number(stats, "evicted_keys"),
                Number(stats, "used_memory"),
                Number(stats, "maxmemory"),
                serverNow,
                roundTrip));
        }

        return new RedisSafetyReading(problems, evicting, servers, await lastId.ConfigureAwait(false)) { Unreachable = unreachable };
    }

    /// <summary>The last id the stream ever generated (trimming does not lower it); null when there is no stream.</summary>
    private static async Task<string?> LastIdAsync(IDatabase db, RedisKey log)
    {
        try
        {
            var info = await db.StreamInfoAsync(log).ConfigureAwait(false);
            return (string?)info.LastGeneratedId;
        }
        catch (RedisServerException e) when (e.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
    }

    private static Dictionary<string, string> Pairs(RedisResult[] flat)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            values[(string)flat[i]!] = (string?)flat[i + 1] ?? string.Empty;
        }

        return values;
    }

    private static Dictionary<string, string> Info(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[0] != '#')
            {
                values[line[..colon]] = line[(colon + 1)..];
            }
        }

        return values;
    }

    private static long Number(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
}

/// <param name="Problems">Each setting that falls short: endpoint, setting, its value and the value required.</param>
/// <param name="Evicting">Some primary's <c>maxmemory-policy</c> lets Redis evict keys.</param>
/// <param name="LastRevocationId">The revocation stream's last generated id; null when the stream is missing.</param>
public sealed record RedisSafetyReading(IReadOnlyList<string> Problems, bool Evicting, IReadOnlyList<ServerReading> Servers, string? LastRevocationId)
{
    /// <summary>Endpoints not connected at the reading: while any is, nothing is verified.</summary>
    public int Unreachable { get; init; }
}

/// <param name="RunId">Changes when the server restarts, and with it the eviction counter.</param>
/// <param name="MaxMemory">0 when Redis has no memory limit: then no watermark applies.</param>
public sealed record ServerReading(string Endpoint, string RunId, long EvictedKeys, long UsedMemory, long MaxMemory, DateTimeOffset Time, TimeSpan RoundTrip);
