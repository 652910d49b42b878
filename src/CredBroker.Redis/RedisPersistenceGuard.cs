using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Holds the store closed until the Redis it talks to is proven unable to lose an acknowledged
/// revocation (invariant 3), or the operator has accepted that risk out loud.
/// </summary>
public sealed partial class RedisPersistenceGuard(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> options, ILogger<RedisPersistenceGuard> logger)
{
    private volatile bool verified;

    public bool Verified => verified;

    /// <summary>Checks the server. Throws when it is unsafe and the risk was not accepted; false when Redis cannot be asked now.</summary>
    public async Task<bool> VerifyAsync()
    {
        if (verified)
        {
            return true;
        }

        if (!redis.IsConnected)
        {
            return false;
        }

        var problems = await RedisPersistenceCheck.FindProblemsAsync(redis).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            var summary = string.Join("; ", problems);
            if (!options.Value.AcceptDataLossRisk)
            {
                LogUnsafe(summary);
                throw new Core.BrokerConfigurationException(
                    $"Redis could lose an acknowledged revocation: {summary}. Configure it with appendonly yes, appendfsync always, " +
                    "maxmemory-policy noeviction, or set CredBroker:RedisAcceptDataLossRisk=true to run anyway");
            }

            LogRiskAccepted(summary);
        }

        verified = true;
        return true;
    }

    [LoggerMessage(EventId = 9110, Level = LogLevel.Critical, Message = "Refusing Redis that can lose revocations: {Problems}")]
    private partial void LogUnsafe(string problems);

    [LoggerMessage(EventId = 9111, Level = LogLevel.Critical, Message = "RUNNING WITH DATA LOSS RISK ACCEPTED: a Redis crash may forget revocations. Unsafe: {Problems}")]
    private partial void LogRiskAccepted(string problems);
}
