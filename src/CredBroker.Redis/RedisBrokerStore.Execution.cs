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
        RedisFailClosed.RunAsync(redis, guard, operation, exchange, e => LogUnavailable(e, operation, subject), cancellationToken);

    /// <summary>Best-effort housekeeping whose loss is safe; never fails the caller.</summary>
    private void Forget(Func<IDatabase, Task> housekeeping)
    {
        try
        {
            _ = housekeeping(redis.GetDatabase()).ContinueWith(
                t => LogHousekeepingSkipped(t.Exception!),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        catch (Exception e) when (RedisFailClosed.IsUnavailable(e))
        {
            LogHousekeepingSkipped(e);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        LogConnectionFailed(e.Exception, e.EndPoint, e.FailureType);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) =>
        LogConnectionRestored(e.EndPoint);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Debug, Message = "Redis store unavailable during {Operation} ({Subject}); failing closed")]
    private partial void LogUnavailable(Exception error, string operation, string subject);

    // Debug, as the restore below: once per connection and reconnect attempt; RedisOutages logs the outage once.
    [LoggerMessage(EventId = 9102, Level = LogLevel.Debug, Message = "Redis connection to {Endpoint} failed ({FailureType}); grants and revocations fail closed until it is back")]
    private partial void LogConnectionFailed(Exception? error, System.Net.EndPoint? endpoint, ConnectionFailureType failureType);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Debug, Message = "Redis connection to {Endpoint} restored")]
    private partial void LogConnectionRestored(System.Net.EndPoint? endpoint);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Debug, Message = "Redis housekeeping skipped; the entry expires by itself")]
    private partial void LogHousekeepingSkipped(Exception error);
}
