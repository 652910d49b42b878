using System.Diagnostics.Metrics;
using CredBroker.Core.Anomalies;
using CredBroker.Core.Audit;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.SigningKeys;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;
using CredBroker.Core.Telemetry;
using CredBroker.Core.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.DependencyInjection;

public static class CredBrokerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the broker's domain: policy, signing keys, token issuing and validation, grant and
    /// task decisions, and the in-memory store unless another store is chosen (<c>UseRedisStore</c>).
    /// The caller registers an <see cref="IPolicySource"/>.
    /// </summary>
    public static CredBrokerBuilder AddCredBroker(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // One validator per options type, each naming the configuration keys it checks; all run on start.
        services.AddOptions<BrokerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BrokerOptions>, BrokerOptionsValidator>());
        services.AddOptions<StoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>());
        services.AddOptions<SigningKeyOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SigningKeyOptions>, SigningKeyOptionsValidator>());
        services.AddOptions<AuditOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>());
        services.AddOptions<RefusalLimitOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RefusalLimitOptions>, RefusalLimitOptionsValidator>());

        // One registration per purpose; the in-memory store serves grants and tasks, approvals and
        // quotas, and checks the in-memory log's standing rules inside its insert. UseRedisStore replaces them all.
        services.TryAddSingleton<InMemoryRevocationLog>();
        services.TryAddSingleton<IRevocationLog>(sp => sp.GetRequiredService<InMemoryRevocationLog>());
        services.TryAddSingleton(sp => new InMemoryBrokerStore(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<StoreOptions>>(),
            sp.GetRequiredService<IRevocationLog>() as InMemoryRevocationLog
                ?? throw new InvalidOperationException("the in-memory store checks the standing rules of the in-memory revocation log; register another IRevocationLog only with a store of its own (UseRedisStore replaces both)")));
        services.TryAddSingleton<IBrokerStore>(sp => sp.GetRequiredService<InMemoryBrokerStore>());
        services.TryAddSingleton<Approvals.IApprovalStore>(sp => sp.GetRequiredService<InMemoryBrokerStore>());
        services.TryAddSingleton<IQuotaStore>(sp => sp.GetRequiredService<InMemoryBrokerStore>());
        services.TryAddSingleton<RuleLifetime>();
        services.TryAddSingleton<IStoreSafety, UnwatchedStoreSafety>();
        services.TryAddSingleton<UnconfirmedRevocations>();
        services.TryAddSingleton<PendingKillSwitch>();
        services.TryAddSingleton<RevocationBroker>();
        services.TryAddSingleton<RevocationFeed>();
        services.TryAddSingleton<RevocationWatch>();
        services.TryAddSingleton(sp => new SigningKeyRing(
            sp.GetRequiredService<IOptions<SigningKeyOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            // Old keys stay published while any token they signed may live, so bound by the global max TTL.
            sp.GetRequiredService<IPolicySource>().Current.Limits.MaxTtl,
            sp.GetRequiredService<IOptions<BrokerOptions>>().Value.ClockSkew));
        services.TryAddSingleton(sp => new AccessTokenIssuer(
            sp.GetRequiredService<SigningKeyRing>(),
            sp.GetRequiredService<IOptions<BrokerOptions>>().Value.Issuer));
        services.TryAddSingleton(sp =>
        {
            var ring = sp.GetRequiredService<SigningKeyRing>();
            var options = sp.GetRequiredService<IOptions<BrokerOptions>>().Value;
            return new AccessTokenValidator(options.Issuer, kid => ring.Find(kid)?.SecurityKey, audience: null, options.ClockSkew, sp.GetRequiredService<TimeProvider>());
        });

        // The store's own sink; UseRedisStore replaces it. Further sinks (a file) are added beside it.
        services.TryAddSingleton<InMemoryAuditSink>();
        services.TryAddSingleton<IAuditSink>(sp => sp.GetRequiredService<InMemoryAuditSink>());
        services.TryAddSingleton<IAuditReader>(sp => sp.GetRequiredService<InMemoryAuditSink>());
        services.TryAddSingleton<LiveGrants>();
        services.TryAddSingleton(sp => new BrokerMetrics(sp.GetService<IMeterFactory>(), sp.GetRequiredService<LiveGrants>()));
        services.TryAddSingleton<AuditSinkHealth>();
        services.TryAddSingleton<AuditSigningKeys>();
        services.TryAddSingleton<AuditCheckpointWriter>();
        services.TryAddSingleton<AuditLog>();
        services.TryAddSingleton<GrantAudit>();
        services.TryAddSingleton<AuditFeed>();
        services.TryAddSingleton<ToolUseRecorder>();
        services.TryAddSingleton<IAnomalyCounter, InMemoryAnomalyCounter>();
        services.TryAddSingleton<AnomalyResponder>();
        services.TryAddSingleton<RefusalSignals>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IToolUseObserver, AnomalyResponder>(sp => sp.GetRequiredService<AnomalyResponder>()));
        services.TryAddSingleton<RefusalLimiter>();
        services.TryAddSingleton<GrantRevoker>();
        services.TryAddSingleton<GrantAnomalyCheck>();
        services.TryAddSingleton<GrantIssuance>();
        services.TryAddSingleton<GrantApprovals>();
        services.TryAddSingleton<GrantPipeline>();
        services.TryAddSingleton<GrantExchange>();
        services.TryAddSingleton<GrantBroker>();
        services.TryAddSingleton<GrantListing>();
        services.TryAddSingleton<Approvals.ApprovalBroker>();
        services.TryAddSingleton<TaskBroker>();
        services.TryAddSingleton<TokenIntrospector>();
        return new CredBrokerBuilder(services);
    }

    /// <summary>Also appends every audit event to the JSON-lines file named by <c>CredBroker:Audit:File</c>.</summary>
    public static CredBrokerBuilder AddAuditFile(this CredBrokerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<JsonLinesAuditSink>();
        builder.Services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<JsonLinesAuditSink>());
        return builder;
    }
}
