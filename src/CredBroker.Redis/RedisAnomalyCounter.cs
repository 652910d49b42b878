using System.Globalization;
using CredBroker.Core.Anomalies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>Anomaly counters in Redis, so replicas behind a load balancer count one agent's events together.</summary>
public sealed partial class RedisAnomalyCounter(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> options, ILogger<RedisAnomalyCounter> logger, RedisPersistenceGuard? guard = null) : IAnomalyCounter
{
    private readonly string prefix = options.Value.KeyPrefix ?? string.Empty;

    public async ValueTask<long> AddAsync(string key, TimeSpan window, CancellationToken cancellationToken)
    {
        var reply = await RedisFailClosed.RunAsync(
            redis,
            guard,
            "count anomaly event",
            db => db.ScriptEvaluateAsync(RedisScripts.AnomalyCount, new
            {
                key = RedisKeys.AnomalyCounter(prefix, key),
                windowMs = ((long)window.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                member = Guid.NewGuid().ToString("N"),
            }),
            e => RedisLog.RedisAnomalyCounterUnavailable(logger, e, key),
            cancellationToken).ConfigureAwait(false);
        return (long)reply;
    }
}
