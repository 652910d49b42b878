using System.Text.Json;
using CredBroker.LoadTest.Broker;
using CredBroker.LoadTest.Engines;
using CredBroker.LoadTest.Scenarios;
using CredBroker.Protocol.V1;

namespace CredBroker.LoadTest;

/// <summary>
/// One load run: the broker (and Redis) it needs, the health Check ceiling at the same engine and
/// concurrency, then the scenario, each throughput also given as a fraction of the ceiling.
/// </summary>
public static class LoadRunner
{
    public static async Task<IReadOnlyList<RunResult>> RunAsync(LoadOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (options.Engine == Engine.H2load && !H2loadEngine.IsInstalled())
        {
            throw new InvalidOperationException("h2load is not installed (Debian: apt-get install nghttp2-client); or use --engine dotnet");
        }

        await using var redis = options.Store == "redis" && options.Redis is null && options.Broker != BrokerMode.External ? await LocalRedis.StartAsync() : null;
        // A Redis of our own needs no prefix; on one given with --redis, this run's keys stay apart.
        var prefix = options.Redis is null ? null : "bench-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var broker = await BrokerUnderTest.StartAsync(options, options.Store == "redis" ? options.Redis ?? redis!.Endpoint : null, prefix);
        using var clients = new BenchClients(broker, options.Connections);
        await clients.ConnectAsync();
        var runId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await output.WriteLineAsync($"# {options.Scenario}: {broker.Description}{(redis is null ? string.Empty : $" (redis-server {redis.Endpoint}, appendfsync always)")}, " +
            $"engine {options.Engine.ToString().ToLowerInvariant()}, concurrency {options.Concurrency}, {options.Connections} connections, {options.Warmup.TotalSeconds:0}s warm-up + {options.Duration.TotalSeconds:0}s, {Environment.ProcessorCount} cores");

        var results = new List<RunResult>();
        RunResult? ceiling = null;
        if (options.Ceiling || options.Scenario == "ceiling")
        {
            ceiling = await MeasureAsync(new CeilingScenario(clients), options, broker);
            results.Add(ceiling);
        }

        if (options.Scenario != "ceiling")
        {
            var scenario = await CreateAsync(options, clients, broker, runId);
            var result = await MeasureAsync(scenario, options, broker);
            if (ceiling is { RequestsPerSecond: > 0 })
            {
                result = result with
                {
                    FractionOfCeiling = result.RequestsPerSecond / ceiling.RequestsPerSecond,
                    P99OverCeiling = ceiling.Latency.P99 > 0 ? result.Latency.P99 / ceiling.Latency.P99 : null,
                };
            }

            results.Add(result);
        }

        Report.Print(results, output);
        if (options.JsonFile is { } json)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { options = Describe(options), machine = Report.Machine(), results }, Report.Json));
        }

        return results;
    }

    private static async Task<Scenario> CreateAsync(LoadOptions options, BenchClients clients, BrokerUnderTest broker, string runId) => options.Scenario switch
    {
        "request-grant" => new RequestGrantScenario(clients, runId),
        "token-endpoint" => new TokenEndpointScenario(clients, broker, options.Connections, runId),
        "introspect" => await IntrospectScenario.CreateAsync(clients, runId),
        "task-churn" => new TaskChurnScenario(clients, runId, options.GrantsPerTask),
        "mixed" => new MixedScenario(clients, runId, new IntrospectRequest { Token = ((IntrospectRequest)(await IntrospectScenario.CreateAsync(clients, runId)).Fixed.Message).Token }),
        _ => throw new ArgumentException($"unknown scenario {options.Scenario}"),
    };

    private static async Task<RunResult> MeasureAsync(Scenario scenario, LoadOptions options, BrokerUnderTest broker)
    {
        // One checked call first: h2load would happily repeat a request the broker refuses.
        var probe = new CallRecorder { Measuring = true };
        await scenario.StepAsync(0, probe, CancellationToken.None);
        if (probe.Outcomes.Any(o => o.Key != "OK"))
        {
            throw new InvalidOperationException($"{scenario.Name}: the first call failed ({string.Join(", ", probe.Outcomes.Select(o => $"{o.Key}={o.Value}"))}); nothing measured");
        }

        using var sampler = new ResidentSampler(broker);
        var result = options.Engine == Engine.H2load && scenario.Fixed is { } request
            ? await H2loadEngine.RunAsync(scenario.Name, request, broker.Address, options.Concurrency, options.Connections, options.Warmup, options.Duration, broker.ReadStatusAsync)
            : await DotnetEngine.RunAsync(scenario, options.Concurrency, options.Connections, options.Warmup, options.Duration);
        return result with { BrokerResidentMaxBytes = sampler.Max };
    }

    private static object Describe(LoadOptions o) => new
    {
        o.Scenario, o.Store, engine = o.Engine.ToString().ToLowerInvariant(), o.Concurrency, o.Connections,
        durationSeconds = o.Duration.TotalSeconds, warmupSeconds = o.Warmup.TotalSeconds, broker = o.Broker.ToString(), address = o.Address?.ToString(),
    };

    /// <summary>Samples the broker's resident memory every 200 ms while a run lasts.</summary>
    private sealed class ResidentSampler : IDisposable
    {
        private readonly Timer timer;
        private long max;

        public ResidentSampler(BrokerUnderTest broker)
        {
            timer = new Timer(_ =>
            {
                if (broker.ResidentBytes() is { } rss && rss > Interlocked.Read(ref max))
                {
                    Interlocked.Exchange(ref max, rss);
                }
            }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
        }

        public long? Max => Interlocked.Read(ref max) is > 0 and var m ? m : null;

        public void Dispose() => timer.Dispose();
    }
}
