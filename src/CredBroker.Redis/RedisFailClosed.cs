using CredBroker.Core.Storage;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Runs one exchange with Redis. Whatever keeps Redis from answering becomes
/// <see cref="BrokerStoreUnavailableException"/>, so callers fail closed (invariant 1).
/// </summary>
internal static class RedisFailClosed
{
    public static async Task<T> RunAsync<T>(IConnectionMultiplexer redis, RedisPersistenceGuard? guard, string operation, Func<IDatabase, Task<T>> exchange, Action<Exception> onUnavailable, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (guard is { Verified: false })
        {
            throw new BrokerStoreUnavailableException($"Redis persistence is not verified yet; {operation} refused (failing closed)");
        }

        try
        {
            // StackExchange.Redis takes no token; the command still completes or times out on its own.
            return await exchange(redis.GetDatabase()).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            onUnavailable(e);
            throw new BrokerStoreUnavailableException($"Redis store unavailable during {operation}; failing closed", e);
        }
    }

    public static bool IsUnavailable(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;
}
