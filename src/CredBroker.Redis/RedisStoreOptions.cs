using Microsoft.Extensions.Configuration;

namespace CredBroker.Redis;

/// <summary>
/// Where the Redis store lives and how it guards durability. The broker binds it from the <c>CredBroker</c>
/// section, each property from the key its <see cref="ConfigurationKeyNameAttribute"/> names (<c>CredBroker:Redis</c>,
/// <c>CredBroker:RedisKeyPrefix</c>, …); <see cref="RedisStoreOptionsValidator"/> checks it on start.
/// </summary>
public sealed class RedisStoreOptions
{
    /// <summary>
    /// StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c> or
    /// <c>redis-a:6379,redis-b:6379,password=...</c>. Default: none; required. Whatever it says,
    /// the store forces <c>abortConnect=false</c> and fail-fast backlog so it fails closed while Redis is away.
    /// </summary>
    [ConfigurationKeyName("Redis")]
    public string Configuration { get; set; } = string.Empty;

    /// <summary>
    /// Put before every key, to share one Redis with other data. Must not contain <c>{</c> or <c>}</c>
    /// (it would move the hash tag). Default: empty (no prefix).
    /// </summary>
    [ConfigurationKeyName("RedisKeyPrefix")]
    public string KeyPrefix { get; set; } = string.Empty;

    /// <summary>
    /// How long to wait for a connection or a reply before the store reports itself unavailable
    /// (the broker then answers UNAVAILABLE). Default: 2 seconds; between 100 ms and 1 minute.
    /// </summary>
    [ConfigurationKeyName("RedisTimeout")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Run on a Redis that could lose an acknowledged revocation (no AOF, <c>appendfsync</c> other
    /// than <c>always</c>, or an evicting memory policy). Default: false, and the broker refuses to
    /// start on such a Redis. When true, every start logs a critical warning naming what is unsafe.
    /// </summary>
    [ConfigurationKeyName("RedisAcceptDataLossRisk")]
    public bool AcceptDataLossRisk { get; set; }

    /// <summary>
    /// How often the broker checks, while serving, that Redis still cannot lose an acknowledged
    /// revocation (the settings above, evicted keys, the revocation log's position) and how full it is.
    /// It also checks on every (re)connection. Default: 2 seconds; between 100 ms and 1 minute.
    /// </summary>
    [ConfigurationKeyName("RedisSafetyCheckInterval")]
    public TimeSpan SafetyCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Above this share of <c>maxmemory</c> (<c>used_memory / maxmemory</c>, read at every safety check)
    /// new grants are refused with RESOURCE_EXHAUSTED, so the remaining room serves revocations, the
    /// kill switch, approval decisions and audit. No effect when Redis has no <c>maxmemory</c>.
    /// Default: 0.9; between 0.1 and 0.99.
    /// </summary>
    [ConfigurationKeyName("RedisMemoryWatermark")]
    public double MemoryWatermark { get; set; } = 0.9;
}
