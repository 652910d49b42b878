using System.Diagnostics;
using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using CredBroker.LoadTest.Broker;
using CredBroker.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.LoadTest.Scale;

/// <summary>
/// Fills Redis with live grants through the production store code (<see cref="RedisBrokerStore.InsertGrantAsync"/>,
/// the same index write and Lua script a RequestGrant runs), skipping only gRPC and signing. Speed
/// comes from many inserts in flight on one multiplexer, which pipelines them on one connection,
/// so Redis fsyncs a batch of writes at a time instead of one each.
/// </summary>
public sealed class GrantFiller(IConnectionMultiplexer redis, string prefix) : IDisposable
{
    public const int InFlight = 512;
    public const int GrantsPerTask = 10;

    private readonly RedisBrokerStore store = new(
        redis,
        Options.Create(new RedisStoreOptions { KeyPrefix = prefix, Timeout = TimeSpan.FromSeconds(30) }),
        Options.Create(new StoreOptions()),
        NullLogger<RedisBrokerStore>.Instance);

    /// <summary>Inserts <paramref name="count"/> grants of <paramref name="taskOf"/>(i)'s task; returns the elapsed time.</summary>
    public async Task<TimeSpan> FillAsync(long count, Func<long, string> taskOf, TimeSpan ttl, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(taskOf);
        long next = -1;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, InFlight).Select(async _ =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var draft = new GrantDraft(GrantIds.New(), taskOf(i), BenchPolicy.Agent, "team-bench", "scale test", [BenchPolicy.Tools[0]], BenchPolicy.Audience, ttl, NotAfter: null);
                var result = await store.InsertGrantAsync(draft, requireOpenTask: false, CancellationToken.None).ConfigureAwait(false);
                if (result is not GrantInsertResult.Inserted)
                {
                    throw new InvalidOperationException($"grant {i} for task {draft.TaskId} was refused: {result}");
                }

                if (i % 100_000 == 0)
                {
                    progress?.Report(i);
                }
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }

    public void Dispose() => store.Dispose();
}
