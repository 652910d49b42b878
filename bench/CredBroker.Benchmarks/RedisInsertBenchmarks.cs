using BenchmarkDotNet.Attributes;
using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using CredBroker.LoadTest.Broker;
using CredBroker.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Benchmarks;

/// <summary>
/// The Redis store's grant insert (index write plus the check-and-insert script) against a real
/// redis-server on loopback with <c>appendonly yes</c> and <c>appendfsync always</c>: one insert at a
/// time (latency, an fsync each) and 64 in flight (throughput, fsyncs shared by a pipelined batch).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "BenchmarkDotNet releases it in [GlobalCleanup]")]
public class RedisInsertBenchmarks
{
    private const int Tasks = 1024;
    private const int Pipelined = 64;

    private LocalRedis redis = null!;
    private ConnectionMultiplexer connection = null!;
    private RedisBrokerStore store = null!;
    private int next;

    [GlobalSetup]
    public async Task Setup()
    {
        redis = await LocalRedis.StartAsync();
        connection = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);
        store = new RedisBrokerStore(connection, Options.Create(new RedisStoreOptions()), Options.Create(new StoreOptions()), NullLogger<RedisBrokerStore>.Instance);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        store.Dispose();
        await connection.DisposeAsync();
        await redis.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "InsertGrantAsync, one at a time")]
    public async Task<GrantInsertResult> InsertOne() => await InsertAsync();

    [Benchmark(OperationsPerInvoke = Pipelined, Description = "InsertGrantAsync, 64 in flight (per insert)")]
    public async Task InsertPipelined()
    {
        var inserts = new Task<GrantInsertResult>[Pipelined];
        for (var i = 0; i < inserts.Length; i++)
        {
            inserts[i] = InsertAsync().AsTask();
        }

        await Task.WhenAll(inserts);
    }

    private ValueTask<GrantInsertResult> InsertAsync()
    {
        var task = "t-insert-" + (Interlocked.Increment(ref next) % Tasks);
        var draft = new GrantDraft(GrantIds.New(), task, BenchPolicy.Agent, "team-bench", "benchmark", [BenchPolicy.Tools[0]], BenchPolicy.Audience, TimeSpan.FromMinutes(1), NotAfter: null);
        return store.InsertGrantAsync(draft, requireOpenTask: false, CancellationToken.None);
    }
}
