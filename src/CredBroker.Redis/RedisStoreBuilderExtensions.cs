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
    /// The broker binds <paramref name="configure"/> to the <c>CredBroker</c> section, by the keys <see cref="RedisStoreOptions"/> names.
    /// </summary>
    public static CredBrokerBuilder UseRedisStore(this CredBrokerBuilder builder, Action<RedisStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;

        services.AddOptions<RedisStoreOptions>().Configure(configure).ValidateOnStart();
        // An instance, so a host that inspects the registrations (tests do) finds the check without a provider.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStoreOptions>>(new RedisStoreOptionsValidator()));
        services.AddOptions<RedisAuditOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisAuditOptions>>(new RedisAuditOptionsValidator()));

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
