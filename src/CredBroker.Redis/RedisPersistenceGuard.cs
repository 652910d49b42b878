using System.Diagnostics.Metrics;
using System.Globalization;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Watches whether the Redis it talks to can lose an acknowledged revocation (invariant 3), at start,
/// on every (re)connection and every <see cref="RedisStoreOptions.SafetyCheckInterval"/>. Grants stop
/// while a setting has drifted or memory is above the watermark; revocations go on. Each check also
/// looks for data already lost (keys evicted, a log that went back in time) and reports it, so the
/// broker starts a new generation. Logs once per change of state, never per request.
/// </summary>
public sealed partial class RedisPersistenceGuard : IStoreSafety, IDisposable
{
    private static readonly StoreCondition NotYetVerified = new(StoreConditionKind.Unverified, "Redis store safety not verified since it was (re)connected");

    private readonly IConnectionMultiplexer redis;
    private readonly RedisStoreOptions options;
    private readonly ILogger<RedisPersistenceGuard> logger;
    private readonly RevocationHighWater highWater;
    private readonly RedisKey revocationLog;
    private readonly Meter? meter;
    private readonly SemaphoreSlim due = new(0);
    private readonly Dictionary<string, (string RunId, long Evicted)> evictions = new(StringComparer.Ordinal);
    private volatile StoreCondition current = NotYetVerified;

    /// <summary>The state the log last announced; a quiet start counts as safe.</summary>
    private StoreCondition announced = StoreCondition.Safe;
    private volatile bool verified;
    private bool? wasEvicting;
    private bool riskLogged;
    private long clockOffsetTicks;

    private readonly TimeProvider time;

    public RedisPersistenceGuard(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> options, ILogger<RedisPersistenceGuard> logger, RevocationHighWater? highWater = null, IMeterFactory? meters = null, TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        this.redis = redis;
        this.options = options.Value;
        this.logger = logger;
        this.highWater = highWater ?? new RevocationHighWater();
        revocationLog = RedisKeys.RevocationLog(this.options.KeyPrefix ?? string.Empty);
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        if (meters is not null)
        {
            meter = meters.Create(BrokerMetrics.MeterName);
            meter.CreateObservableGauge("credbroker.store.unsafe", () => current.IsDurable ? 0 : 1, "{state}", "1 while the store cannot be shown to keep an acknowledged revocation (a setting drifted, or not checked since it reconnected)");
            meter.CreateObservableGauge("credbroker.store.nearly_full", () => current.Kind == StoreConditionKind.NearlyFull ? 1 : 0, "{state}", "1 while Redis memory is above the watermark and grants are refused");
        }
    }

    /// <summary>A check has completed since start: Redis was reached and its settings read (whatever they were).</summary>
    public bool Verified => verified;

    public StoreCondition Current => current;

    /// <summary>Redis's clock minus this process's, as of the last check; zero before one.</summary>
    public TimeSpan ClockOffset => TimeSpan.FromTicks(Interlocked.Read(ref clockOffsetTicks));

    /// <summary>
    /// The check at start. Throws when Redis is unsafe and the risk was not accepted, so a broker is
    /// never deployed on it; false when Redis cannot be asked now (the watch checks again).
    /// </summary>
    public async Task<bool> VerifyAsync()
    {
        if (!redis.IsConnected)
        {
            return false;
        }

        var reading = await RedisPersistenceCheck.ReadAsync(redis, revocationLog).ConfigureAwait(false);
        if (reading.Unreachable > 0 || (reading.Servers.Count == 0 && reading.Problems.Count == 0))
        {
            return false;
        }

        if (reading.Problems.Count > 0 && !options.AcceptDataLossRisk)
        {
            var summary = string.Join("; ", reading.Problems);
            RedisLog.RedisPersistenceGuardUnsafe(logger, summary);
            throw new Core.BrokerConfigurationException(
                $"Redis could lose an acknowledged revocation: {summary}. Configure it with appendonly yes, appendfsync always, " +
                "maxmemory-policy noeviction, or set CredBroker:RedisAcceptDataLossRisk=true to run anyway");
        }

        Evaluate(reading, this.highWater.Value);
        return true;
    }

    /// <summary>
    /// One check while serving. Returns why data may have been lost (a new generation is due), or null.
    /// Throws <see cref="RedisException"/> or <see cref="TimeoutException"/> when Redis cannot be asked;
    /// the state is kept then (the requests themselves fail closed meanwhile).
    /// </summary>
    public async Task<string?> CheckAsync()
    {
        if (!redis.IsConnected)
        {
            Set(NotYetVerified);
            return null;
        }

        // Read before asking Redis: any id this process saw by now was generated before the XINFO runs.
        var seen = highWater.Value;
        var reading = await RedisPersistenceCheck.ReadAsync(redis, revocationLog).ConfigureAwait(false);
        if (reading.Unreachable > 0 || (reading.Servers.Count == 0 && reading.Problems.Count == 0))
        {
            Set(NotYetVerified);
            return null;
        }

        return Evaluate(reading, seen);
    }

    /// <summary>Waits for the next interval, or less when a (re)connection makes a check due at once.</summary>
    public async Task WaitForNextCheckAsync(CancellationToken cancellationToken) =>
        await due.WaitAsync(options.SafetyCheckInterval, cancellationToken).ConfigureAwait(false);

    public void Dispose()
    {
        redis.ConnectionFailed -= OnConnectionFailed;
        redis.ConnectionRestored -= OnConnectionRestored;
        meter?.Dispose();
        due.Dispose();
    }

    private string? Evaluate(RedisSafetyReading reading, string? seen)
    {
        var losses = new List<string>();
        foreach (var server in reading.Servers)
        {
            // evicted_keys counts since the server started; a new run id starts a new count.
            if (evictions.TryGetValue(server.Endpoint, out var last) && last.RunId == server.RunId && server.EvictedKeys > last.Evicted)
            {
                losses.Add($"{server.Endpoint}: Redis evicted {server.EvictedKeys - last.Evicted} keys (evicted_keys {last.Evicted} -> {server.EvictedKeys})");
            }

            evictions[server.Endpoint] = (server.RunId, server.EvictedKeys);
        }

        if (!options.AcceptDataLossRisk && reading.Evicting != (wasEvicting ?? false))
        {
            // Entering: keys may be evicted from now on. Leaving: they may have been, up to now.
            losses.Add(reading.Evicting ? "maxmemory-policy lets Redis evict keys" : "maxmemory-policy let Redis evict keys until now");
        }

        wasEvicting = reading.Evicting;
        if (seen is not null && (reading.LastRevocationId is null || Cursors.Compare(reading.LastRevocationId, seen) < 0))
        {
            losses.Add($"the revocation log ends at {reading.LastRevocationId ?? "(missing)"}, before {seen} that this broker wrote or read: Redis went back in time (restored from an older copy)");
        }

        if (reading.Servers.Count > 0)
        {
            var server = reading.Servers[0];
            var local = time.GetUtcNow() - (server.RoundTrip / 2);
            Interlocked.Exchange(ref clockOffsetTicks, (server.Time - local).Ticks);
        }

        verified = true;
        Set(Judge(reading));
        return losses.Count == 0 ? null : string.Join("; ", losses);
    }

    private StoreCondition Judge(RedisSafetyReading reading)
    {
        if (reading.Problems.Count > 0)
        {
            if (!options.AcceptDataLossRisk)
            {
                return new StoreCondition(StoreConditionKind.Unsafe, "Redis store unsafe, it could lose an acknowledged revocation: " + string.Join("; ", reading.Problems));
            }

            if (!riskLogged)
            {
                riskLogged = true;
                var accepted = string.Join("; ", reading.Problems);
                RedisLog.RedisPersistenceGuardRiskAccepted(logger, accepted);
            }
        }

        foreach (var server in reading.Servers)
        {
            if (server.MaxMemory > 0 && server.UsedMemory >= server.MaxMemory * options.MemoryWatermark)
            {
                var percent = (100.0 * server.UsedMemory / server.MaxMemory).ToString("F0", CultureInfo.InvariantCulture);
                var limit = (100 * options.MemoryWatermark).ToString("F0", CultureInfo.InvariantCulture);
                return new StoreCondition(StoreConditionKind.NearlyFull, $"Redis memory at {percent}% of maxmemory on {server.Endpoint} ({server.UsedMemory} of {server.MaxMemory} bytes), above the watermark CredBroker:RedisMemoryWatermark = {limit}%");
            }
        }

        return StoreCondition.Safe;
    }

    /// <summary>
    /// One log line per change of state: a new kind, or other settings found unsafe. Losing the
    /// connection is not announced here (the store logs it), so a drift that outlived a reconnect is not announced twice.
    /// </summary>
    private void Set(StoreCondition next)
    {
        current = next;
        if (next.Kind == StoreConditionKind.Unverified)
        {
            return;
        }

        var previous = announced;
        if (previous.Kind == next.Kind && (next.Kind != StoreConditionKind.Unsafe || previous.Detail == next.Detail))
        {
            return;
        }

        announced = next;
        switch (next.Kind)
        {
            case StoreConditionKind.Unsafe:
                RedisLog.RedisPersistenceGuardDrifted(logger, next.Detail);
                break;
            case StoreConditionKind.NearlyFull:
                RedisLog.RedisPersistenceGuardNearlyFull(logger, next.Detail);
                break;
            default:
                RedisLog.RedisPersistenceGuardSafe(logger, previous.Kind);
                break;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // Nothing is proven about a server this broker cannot see; the next connection is checked before grants resume.
        current = NotYetVerified;
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => due.Release();
}
