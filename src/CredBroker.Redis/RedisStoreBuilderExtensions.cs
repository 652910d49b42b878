using CredBroker.Core.Anomalies;
using CredBroker.Core.Approvals;
using CredBroker.Core.Audit;
using CredBroker.Core.DependencyInjection;
using CredBroker.Core.Grants;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

public static class RedisStoreBuilderExtensions
{
    /// <summary>
    /// Keeps the broker's state in Redis instead of memory: registers one <see cref="IConnectionMultiplexer"/>
    /// for the process (unless one is registered already) and replaces <see cref="IBrokerStore"/> with
    /// <see cref="RedisBrokerStore"/>. The broker starts while Redis is down and answers UNAVAILABLE until it is up.
    /// </summary>
    public static CredBrokerBuilder UseRedisStore(this CredBrokerBuilder builder, Action<RedisStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;

        services.AddOptions<RedisStoreOptions>()
            .Configure(configure)
            .Validate(o => RedisConnection.IsValidConfiguration(o.Configuration), "CredBroker:Redis must name a Redis endpoint, e.g. '127.0.0.1:6379'")
            .Validate(o => RedisKeys.IsValidPrefix(o.KeyPrefix), "CredBroker:RedisKeyPrefix must not contain '{' or '}'")
            .Validate(o => o.Timeout >= TimeSpan.FromMilliseconds(100) && o.Timeout <= TimeSpan.FromMinutes(1), "CredBroker:RedisTimeout must be between 100 ms and 1 minute")
            .Validate(o => o.SafetyCheckInterval >= TimeSpan.FromMilliseconds(100) && o.SafetyCheckInterval <= TimeSpan.FromMinutes(1), "CredBroker:RedisSafetyCheckInterval must be between 100 ms and 1 minute")
            .Validate(o => o.MemoryWatermark >= 0.1 && o.MemoryWatermark <= 0.99, "CredBroker:RedisMemoryWatermark must be between 0.1 and 0.99")
            .ValidateOnStart();
        services.AddOptions<RedisAuditOptions>()
            .Validate(o => o.RedisMaxLength >= 1000, "CredBroker:Audit:RedisMaxLength must be at least 1000")
            .Validate(o => o.RedisRetention >= TimeSpan.FromHours(1), "CredBroker:Audit:RedisRetention must be at least 1 hour")
            .ValidateOnStart();

        services.TryAddSingleton(sp => RedisOutages.Attach(
            RedisConnection.Connect(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value, sp.GetService<ILoggerFactory>()),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("CredBroker.Redis.RedisOutage"),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));

        services.TryAddSingleton<RevocationHighWater>();
        services.TryAddSingleton<RedisPersistenceGuard>();
        services.RemoveAll<IStoreSafety>();
        services.AddSingleton<IStoreSafety>(sp => sp.GetRequiredService<RedisPersistenceGuard>());
        services.AddHostedService<RedisStoreWarmUp>();

        // One grant waits on Redis at most its timeout in all, not once per round trip.
        services.AddOptions<StoreOptions>().PostConfigure<IOptions<RedisStoreOptions>>((store, redisOptions) => store.GrantTimeout ??= redisOptions.Value.Timeout);

        // AddCredBroker registered the in-memory store with TryAdd; this choice overrides it.
        // One registration per purpose, all served by the one Redis store.
        services.RemoveAll<IBrokerStore>();
        services.RemoveAll<IApprovalStore>();
        services.RemoveAll<IQuotaStore>();
        services.AddSingleton<RedisBrokerStore>();
        services.AddSingleton<IBrokerStore>(sp => sp.GetRequiredService<RedisBrokerStore>());
        services.AddSingleton<IApprovalStore>(sp => sp.GetRequiredService<RedisBrokerStore>());
        services.AddSingleton<IQuotaStore>(sp => sp.GetRequiredService<RedisBrokerStore>());
        services.RemoveAll<IRevocationLog>();
        services.AddSingleton<RedisRevocationLog>();
        services.AddSingleton<IRevocationLog>(sp => sp.GetRequiredService<RedisRevocationLog>());
        services.RemoveAll<IAnomalyCounter>();
        services.AddSingleton<IAnomalyCounter, RedisAnomalyCounter>();
        services.RemoveAll<IAuditSink>();
        services.RemoveAll<IAuditReader>();
        services.AddSingleton<RedisAuditSink>();
        services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<RedisAuditSink>());
        services.AddSingleton<IAuditReader>(sp => sp.GetRequiredService<RedisAuditSink>());
        return builder;
    }
}
