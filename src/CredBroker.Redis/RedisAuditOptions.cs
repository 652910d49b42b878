namespace CredBroker.Redis;

/// <summary>
/// How much history the Redis audit stream keeps (section <c>CredBroker:Audit</c>, beside Core's
/// <see cref="CredBroker.Core.Audit.AuditOptions"/>; Redis-only, so it lives with the Redis store).
/// Validated on start when the Redis store is used.
/// </summary>
public sealed class RedisAuditOptions
{
    /// <summary>The Redis stream's approximate maximum length (XADD MAXLEN ~). Default: 1000000; at least 1000.</summary>
    public long RedisMaxLength { get; set; } = 1_000_000;

    /// <summary>Events older than this are trimmed from the Redis stream (XTRIM MINID ~). Default: 90 days; at least 1 hour.</summary>
    public TimeSpan RedisRetention { get; set; } = TimeSpan.FromDays(90);
}
