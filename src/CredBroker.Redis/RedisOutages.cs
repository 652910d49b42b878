using System.Runtime.CompilerServices;
using CredBroker.Core.Telemetry;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// The outage log of each multiplexer the store created: every exchange (<see cref="RedisFailClosed"/>) reports to
/// it, so Redis going away under load is one warning, a summary every 30 s, and one line when it is back.
/// </summary>
internal static class RedisOutages
{
    private static readonly ConditionalWeakTable<IConnectionMultiplexer, OutageLog> Logs = [];

    public static IConnectionMultiplexer Attach(IConnectionMultiplexer redis, ILogger logger, TimeProvider time)
    {
        Logs.AddOrUpdate(redis, new OutageLog("Redis", logger, time));
        return redis;
    }

    public static OutageLog? Of(IConnectionMultiplexer redis) => Logs.TryGetValue(redis, out var log) ? log : null;
}
