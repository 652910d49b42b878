using System.Diagnostics;
using System.Diagnostics.Metrics;
using CredBroker.Core.Storage;
using CredBroker.Core.Telemetry;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Runs one exchange with Redis. Whatever keeps Redis from answering becomes
/// <see cref="BrokerStoreUnavailableException"/>, so callers fail closed (invariant 1).
/// </summary>
internal static class RedisFailClosed
{
    /// <summary>Store latency on the broker's meter; every Redis exchange passes through here.</summary>
    private static readonly Meter Meter = new(BrokerMetrics.MeterName);

    private static readonly Histogram<double> StoreSeconds = Meter.CreateHistogram<double>("credbroker.store.duration", "s", "Time of one exchange with the Redis store, by operation");

    public static async Task<T> RunAsync<T>(IConnectionMultiplexer redis, RedisPersistenceGuard? guard, string operation, Func<IDatabase, Task<T>> exchange, Action<Exception> onUnavailable, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (guard is { Verified: false })
        {
            var unverified = new BrokerStoreUnavailableException($"Redis persistence is not verified yet; {operation} refused (failing closed)");
            RedisOutages.Of(redis)?.Failed(unverified);
            throw unverified;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            // StackExchange.Redis takes no token; the command still completes or times out on its own.
            var result = await exchange(redis.GetDatabase()).WaitAsync(cancellationToken).ConfigureAwait(false);
            RedisOutages.Of(redis)?.Succeeded();
            return result;
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            // The outage is one warning and a summary every 30 s; onUnavailable logs each failure at Debug.
            RedisOutages.Of(redis)?.Failed(e);
            onUnavailable(e);
            throw new BrokerStoreUnavailableException($"Redis store unavailable during {operation}; failing closed", e);
        }
        finally
        {
            StoreSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new TagList { { "operation", operation } });
        }
    }

    public static bool IsUnavailable(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;
}
