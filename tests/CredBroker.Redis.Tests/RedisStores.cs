using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis.Tests;

/// <summary>Builds Redis stores and drafts for the Redis-specific tests.</summary>
internal static class RedisStores
{
    public static RedisBrokerStore Create(IConnectionMultiplexer redis, string keyPrefix = "", TimeSpan? retention = null) =>
        new(
            redis,
            Options.Create(new RedisStoreOptions { KeyPrefix = keyPrefix }),
            Options.Create(new StoreOptions { RevokedTaskRetention = retention ?? TimeSpan.FromDays(7) }),
            NullLogger<RedisBrokerStore>.Instance);

    public static RedisRevocationLog CreateRevocationLog(IConnectionMultiplexer redis, string keyPrefix = "") =>
        new(redis, Options.Create(new RedisStoreOptions { KeyPrefix = keyPrefix }), NullLogger<RedisRevocationLog>.Instance);

    public static Task<IConnectionMultiplexer> ConnectAsync(string endpoint) =>
        RedisConnection.ConnectAsync(new RedisStoreOptions { Configuration = endpoint });

    public static string NewTaskId() => "task-" + Guid.NewGuid().ToString("N");

    public static GrantDraft Draft(string taskId, TimeSpan? ttl = null) =>
        new(GrantIds.New(), taskId, "spiffe://example.org/agent/triage", "alice@example.org", "triage", ["github.issues.read", "db.read"], "https://tools.example.org", ttl ?? TimeSpan.FromMinutes(5), NotAfter: null);

    public static async Task<GrantRecord> InsertAsync(IBrokerStore store, GrantDraft draft) =>
        ((GrantInsertResult.Inserted)await store.InsertGrantAsync(draft, requireOpenTask: false, default)).Grant;

    /// <summary>Retries while the store reports itself unavailable, e.g. until the multiplexer has reconnected.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> action, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                return await action();
            }
            catch (BrokerStoreUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
