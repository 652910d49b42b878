using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CredBroker.LoadTest.Broker;
using CredBroker.LoadTest.Engines;
using CredBroker.LoadTest.Scenarios;
using CredBroker.Protocol.V1;
using StackExchange.Redis;

namespace CredBroker.LoadTest.Scale;

/// <summary>
/// The scale scenario: Redis filled with many live grants, then Redis memory per grant, the kill
/// switch (its time, its store writes, and how soon a connected watcher and Introspect see it), and
/// RevokeTask on a task of many grants against one of few.
/// </summary>
public static class ScaleRun
{
    private const int BigTasks = 5;
    private const int SmallTasks = 5;
    private const int SmallTaskGrants = 10;

    public static async Task RunAsync(LoadOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var reserved = (long)BigTasks * options.BigTask + (SmallTasks * SmallTaskGrants);
        if (options.TotalGrants < reserved)
        {
            throw new ArgumentException($"--grants-total: at least {reserved} ({BigTasks} tasks of --big-task grants and {SmallTasks} of {SmallTaskGrants})");
        }

        await using var localRedis = options.Redis is null ? await LocalRedis.StartAsync() : null;
        var endpoint = options.Redis ?? localRedis!.Endpoint;
        var prefix = options.Redis is null ? string.Empty : "scale-" + Guid.NewGuid().ToString("N")[..8] + ":";
        using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint + ",allowAdmin=true,syncTimeout=30000,asyncTimeout=30000");
        var info = new RedisInfo(redis.GetServer(endpoint));
        var server = redis.GetServer(endpoint);
        var runId = "scale-" + Guid.NewGuid().ToString("N")[..8];
        await output.WriteLineAsync($"# scale: redis-server {endpoint}, {options.TotalGrants} grants, {Environment.ProcessorCount} cores");

        // 1. Fill, and memory per grant. On a Redis of our own the fill is a bulk load: AOF fsync once
        // a second while it lasts, then back to "always" before the broker starts, since the broker refuses anything less.
        var bulk = localRedis is not null;
        if (bulk)
        {
            await server.ConfigSetAsync("appendfsync", "everysec");
        }

        var memoryBefore = await info.UsedMemoryAsync();
        var keysBefore = await info.KeyCountAsync();
        string TaskOf(long i) =>
            i < (long)BigTasks * options.BigTask ? $"{runId}-big-{i / options.BigTask}"
            : i < reserved ? $"{runId}-small-{(i - ((long)BigTasks * options.BigTask)) / SmallTaskGrants}"
            : $"{runId}-t{i / GrantFiller.GrantsPerTask}";
        using var filler = new GrantFiller(redis, prefix);
        var filled = await filler.FillAsync(options.TotalGrants, TaskOf, TimeSpan.FromHours(2),
            new Progress<long>(n => Console.Error.WriteLine($"  {n} grants inserted")));
        var memoryAfter = await info.UsedMemoryAsync();
        var keysAfter = await info.KeyCountAsync();
        if (bulk)
        {
            await server.ConfigSetAsync("appendfsync", "always");
        }

        var perGrant = (memoryAfter - memoryBefore) / (double)options.TotalGrants;
        await output.WriteLineAsync(Invariant($"fill: {options.TotalGrants} grants in {filled.TotalSeconds:0.0}s ({options.TotalGrants / filled.TotalSeconds:0} grants/s; RedisBrokerStore.InsertGrantAsync, {GrantFiller.InFlight} in flight pipelined on one multiplexer, {GrantFiller.GrantsPerTask} grants per task, appendfsync {(bulk ? "everysec during the fill only" : "as configured")})"));
        await output.WriteLineAsync(Invariant($"redis memory: used_memory {memoryBefore} -> {memoryAfter} bytes, {keysAfter - keysBefore} keys added; {perGrant:0.0} bytes per live grant"));
        await output.WriteLineAsync(await MemoryUsage.DescribeAsync(redis.GetDatabase(), prefix, $"{runId}-t{reserved / GrantFiller.GrantsPerTask + 1}"));

        await using var broker = await BrokerUnderTest.StartAsync(options with { Store = "redis" }, endpoint, prefix.Length == 0 ? null : prefix);
        using var clients = new BenchClients(broker, 1);
        await clients.ConnectAsync();
        await using var verifier = await BenchVerifier.StartAsync(broker.Address, clients.ToolToken);
        await output.WriteLineAsync($"# {broker.Description}, appendfsync {(await server.ConfigGetAsync("appendfsync"))[0].Value}; verifier connected");

        // 2. The kill switch.
        var killSwitch = await KillSwitchTrials.RunAsync(clients, verifier, info, runId, options.Trials, output);

        // 3. RevokeTask: many grants against few.
        var big = await RevokeTasksAsync(clients, Enumerable.Range(0, BigTasks).Select(k => $"{runId}-big-{k}"), options.BigTask);
        var small = await RevokeTasksAsync(clients, Enumerable.Range(0, SmallTasks).Select(k => $"{runId}-small-{k}"), SmallTaskGrants);
        await output.WriteLineAsync(Invariant($"revoke-task: {options.BigTask} grants median {Median(big):0.000} ms ({string.Join(" ", big.Select(b => b.ToString("0.000", CultureInfo.InvariantCulture)))}); ") +
            Invariant($"{SmallTaskGrants} grants median {Median(small):0.000} ms ({string.Join(" ", small.Select(b => b.ToString("0.000", CultureInfo.InvariantCulture)))}); ratio {Median(big) / Median(small):0.00}x"));

        if (options.JsonFile is { } json)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new
            {
                machine = Report.Machine(),
                grants = options.TotalGrants,
                fillSeconds = filled.TotalSeconds,
                usedMemoryBefore = memoryBefore,
                usedMemoryAfter = memoryAfter,
                bytesPerGrant = perGrant,
                killSwitch,
                revokeTaskBigMs = big,
                revokeTaskSmallMs = small,
                bigTaskGrants = options.BigTask,
                smallTaskGrants = SmallTaskGrants,
            }, Report.Json));
        }
    }

    private static async Task<List<double>> RevokeTasksAsync(BenchClients clients, IEnumerable<string> tasks, int grants)
    {
        var times = new List<double>();
        foreach (var task in tasks)
        {
            var started = Stopwatch.GetTimestamp();
            var revoked = await clients.Tasks(0).RevokeTaskAsync(new RevokeTaskRequest { TaskId = task, Reason = "scale test" }, clients.Orchestrator);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (revoked.RevokedGrants != grants)
            {
                throw new InvalidOperationException($"RevokeTask {task} reported {revoked.RevokedGrants} grants, expected {grants}");
            }
        }

        return times;
    }

    public static double Median(IReadOnlyList<double> values) => Latency.At([.. values.Order()], 0.5);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
