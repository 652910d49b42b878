using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CredBroker.Redis;

public sealed partial class RedisBrokerStore
{
    /// <summary>
    /// Runs one exchange with Redis. Whatever keeps Redis from answering becomes
    /// <see cref="BrokerStoreUnavailableException"/>, so callers fail closed (invariant 1).
    /// </summary>
    private Task<T> RunAsync<T>(string operation, string subject, Func<IDatabase, Task<T>> exchange, CancellationToken cancellationToken) =>
        RedisFailClosed.RunAsync(redis, guard, operation, exchange, e => RedisLog.RedisBrokerStoreUnavailable(logger, e, operation, subject), cancellationToken);

    /// <summary>Best-effort housekeeping whose loss is safe; never fails the caller.</summary>
    private void Forget(Func<IDatabase, Task> housekeeping)
    {
        try
        {
            _ = housekeeping(redis.GetDatabase()).ContinueWith(
                t => RedisLog.RedisBrokerStoreHousekeepingSkipped(logger, t.Exception!),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        catch (Exception e) when (RedisFailClosed.IsUnavailable(e))
        {
            RedisLog.RedisBrokerStoreHousekeepingSkipped(logger, e);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        RedisLog.RedisBrokerStoreConnectionFailed(logger, e.Exception, e.EndPoint, e.FailureType);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) =>
        RedisLog.RedisBrokerStoreConnectionRestored(logger, e.EndPoint);

    // Debug, as the restore below: once per connection and reconnect attempt; RedisOutages logs the outage once.
}
