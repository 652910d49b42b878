using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Every log line of <c>CredBroker.Redis</c>, so its event ids are read in one place. Ids by area:
/// <list type="table">
/// <item><term>9100–9109</term><description>the store's round trips and connection</description></item>
/// <item><term>9110–9129</term><description>durability: persistence settings, memory, warm-up, other Redis-backed parts</description></item>
/// <item><term>9130–9139</term><description>the revocation log</description></item>
/// </list>
/// A test (LogEventIdTests) keeps every id unique and inside its assembly's ranges.
/// </summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 9101, Level = LogLevel.Debug, Message = "Redis store unavailable during {Operation} ({Subject}); failing closed")]
    internal static partial void RedisBrokerStoreUnavailable(ILogger logger, Exception error, string operation, string subject);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Debug, Message = "Redis connection to {Endpoint} failed ({FailureType}); grants and revocations fail closed until it is back")]
    internal static partial void RedisBrokerStoreConnectionFailed(ILogger logger, Exception? error, System.Net.EndPoint? endpoint, ConnectionFailureType failureType);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Debug, Message = "Redis connection to {Endpoint} restored")]
    internal static partial void RedisBrokerStoreConnectionRestored(ILogger logger, System.Net.EndPoint? endpoint);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Debug, Message = "Redis housekeeping skipped; the entry expires by itself")]
    internal static partial void RedisBrokerStoreHousekeepingSkipped(ILogger logger, Exception error);

    [LoggerMessage(EventId = 9110, Level = LogLevel.Critical, Message = "Refusing Redis that can lose revocations: {Problems}")]
    internal static partial void RedisPersistenceGuardUnsafe(ILogger logger, string problems);

    [LoggerMessage(EventId = 9111, Level = LogLevel.Debug, Message = "Redis audit log unavailable during {Operation}")]
    internal static partial void RedisAuditSinkUnavailable(ILogger logger, Exception error, string operation);

    [LoggerMessage(EventId = 9112, Level = LogLevel.Warning, Message = "Redis unavailable while counting anomaly events for {Key}")]
    internal static partial void RedisAnomalyCounterUnavailable(ILogger logger, Exception error, string key);

    [LoggerMessage(EventId = 9113, Level = LogLevel.Critical, Message = "RUNNING WITH DATA LOSS RISK ACCEPTED: a Redis crash may forget revocations. Unsafe: {Problems}")]
    internal static partial void RedisPersistenceGuardRiskAccepted(ILogger logger, string problems);

    [LoggerMessage(EventId = 9120, Level = LogLevel.Critical, Message = "{Detail}. Grants are refused until it is fixed; revocations go on, flagged as not confirmed durable")]
    internal static partial void RedisPersistenceGuardDrifted(ILogger logger, string detail);

    [LoggerMessage(EventId = 9121, Level = LogLevel.Critical, Message = "{Detail}. New grants are refused; the remaining room is kept for revocations, the kill switch, approval decisions and audit")]
    internal static partial void RedisPersistenceGuardNearlyFull(ILogger logger, string detail);

    [LoggerMessage(EventId = 9122, Level = LogLevel.Warning, Message = "Redis store is safe again (was {Previous}); grants resume")]
    internal static partial void RedisPersistenceGuardSafe(ILogger logger, StoreConditionKind previous);

    [LoggerMessage(EventId = 9123, Level = LogLevel.Critical, Message = "Redis lost data ({Loss}); started a new generation: every token issued before now is revoked")]
    internal static partial void RedisStoreWarmUpDataLost(ILogger logger, string loss);

    [LoggerMessage(EventId = 9124, Level = LogLevel.Debug, Message = "Redis safety check skipped: Redis did not answer")]
    internal static partial void RedisStoreWarmUpCheckSkipped(ILogger logger, Exception error);

    [LoggerMessage(EventId = 9125, Level = LogLevel.Warning, Message = "Redis is not reachable at start; the store fails closed until it is back and its persistence is verified")]
    internal static partial void RedisStoreWarmUpDeferred(ILogger logger);

    [LoggerMessage(EventId = 9130, Level = LogLevel.Debug, Message = "Redis revocation log unavailable during {Operation}; failing closed")]
    internal static partial void RedisRevocationLogUnavailable(ILogger logger, Exception error, string operation);

    [LoggerMessage(EventId = 9131, Level = LogLevel.Warning, Message = "Redis dataset has no generation marker (new, wiped or replaced): every token issued before now is revoked")]
    internal static partial void RedisRevocationLogNewGeneration(ILogger logger);

    [LoggerMessage(EventId = 9132, Level = LogLevel.Warning, Message = "Could not subscribe to revocation notices; replicas fall back to reading the log every second until Redis resubscribes")]
    internal static partial void RedisRevocationLogSubscribeFailed(ILogger logger, Exception error);
}
