using System.Globalization;
using System.Text.Json;
using CredBroker.Core.Revocation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// The revocation log in Redis: a stream every replica and verifier reads in order, and a hash of
/// standing rules, all under the <c>{rv}</c> hash tag so each write is one atomic script (invariant 4).
/// With AOF and <c>appendfsync always</c> an acknowledged rule survives a crash (invariant 3).
/// </summary>
public sealed partial class RedisRevocationLog(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> options, ILogger<RedisRevocationLog> logger, RedisPersistenceGuard? guard = null, RevocationHighWater? highWater = null) : IRevocationLog
{
    private readonly string prefix = options.Value.KeyPrefix ?? string.Empty;

    public async ValueTask<RevocationEntry> AppendAsync(RevocationDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var reply = await RunAsync("append revocation", db => db.ScriptEvaluateAsync(RedisScripts.AppendRevocation, new
        {
            log = RedisKeys.RevocationLog(prefix),
            state = RedisKeys.RevocationState(prefix),
            notify = (string)RedisKeys.RevocationNotify(prefix)!,
            kind = draft.Kind.ToString(),
            subject = draft.Subject,
            reason = draft.Reason,
            by = draft.By,
            liftAfterMs = Millis(draft.LiftAfter),
            expireAfterMs = Millis(draft.ExpireAfter),
        }), cancellationToken).ConfigureAwait(false);
        return Saw(RevocationJson.Entry((string)reply!));
    }

    public async ValueTask<RevocationEntry?> LiftAsync(RevocationKind kind, string subject, TimeSpan expireAfterLift, CancellationToken cancellationToken)
    {
        var reply = await RunAsync("lift revocation", db => db.ScriptEvaluateAsync(RedisScripts.LiftRevocation, new
        {
            log = RedisKeys.RevocationLog(prefix),
            state = RedisKeys.RevocationState(prefix),
            notify = (string)RedisKeys.RevocationNotify(prefix)!,
            kind = kind.ToString(),
            subject,
            expireAfterMs = Millis(expireAfterLift),
        }), cancellationToken).ConfigureAwait(false);
        return reply.IsNull ? null : Saw(RevocationJson.Entry((string)reply!));
    }

    public async ValueTask<StandingRules> GetStandingAsync(string workloadId, IReadOnlyList<string> tools, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var fields = tools.Select(t => $"{RevocationKind.Tool}:{t}").Append($"{RevocationKind.Workload}:{workloadId}").Append($"{RevocationKind.All}:").ToArray();
        var reply = await RunAsync("read standing revocations", db => db.ScriptEvaluateAsync(RedisScripts.StandingRevocations, new
        {
            state = RedisKeys.RevocationState(prefix),
            fields = JsonSerializer.Serialize(fields),
        }), cancellationToken).ConfigureAwait(false);
        var values = (RedisResult[])reply!;
        var now = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)values[0]!, CultureInfo.InvariantCulture));
        var rules = ((RedisResult[])values[1]!).Select(r => RevocationJson.Entry((string)r!).Rule).ToList();
        return new StandingRules(now, rules);
    }

    public async ValueTask<RevocationPage> ReadAfterAsync(string? cursor, int max, CancellationToken cancellationToken)
    {
        var after = string.IsNullOrEmpty(cursor) || cursor == "0" ? "-" : "(" + cursor;
        var entries = await RunAsync("read revocation log", db => db.StreamRangeAsync(RedisKeys.RevocationLog(prefix), after, "+", max), cancellationToken).ConfigureAwait(false);
        var page = entries.Select(RevocationJson.Entry).ToList();
        if (page.Count > 0)
        {
            highWater?.Saw(page[^1].Cursor);
        }

        return new RevocationPage(page, page.Count > 0 ? page[^1].Cursor : cursor ?? "0");
    }

    public async ValueTask<bool> EnsureGenerationAsync(TimeSpan tokenLifetime, CancellationToken cancellationToken) =>
        await GenerationAsync(force: false, "dataset was empty or replaced", tokenLifetime, cancellationToken).ConfigureAwait(false);

    public async ValueTask StartGenerationAsync(string why, TimeSpan tokenLifetime, CancellationToken cancellationToken) =>
        await GenerationAsync(force: true, why, tokenLifetime, cancellationToken).ConfigureAwait(false);

    public async ValueTask<bool> RestoreAsync(RevocationEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var rule = entry.Rule;
        var reply = await RunAsync("restore revocation", db => db.ScriptEvaluateAsync(RedisScripts.RestoreRevocation, new
        {
            log = RedisKeys.RevocationLog(prefix),
            state = RedisKeys.RevocationState(prefix),
            notify = (string)RedisKeys.RevocationNotify(prefix)!,
            cursor = entry.Cursor,
            kind = rule.Kind.ToString(),
            subject = rule.Subject,
            reason = rule.Reason,
            by = rule.By,
            revokedMs = Millis(rule.RevokedAt),
            liftedMs = Millis(rule.LiftedAt),
            expiresMs = Millis(rule.ExpiresAt),
        }), cancellationToken).ConfigureAwait(false);
        return (long)reply == 1;
    }

    private async ValueTask<bool> GenerationAsync(bool force, string why, TimeSpan tokenLifetime, CancellationToken cancellationToken)
    {
        var reply = await RunAsync("check generation", db => db.ScriptEvaluateAsync(RedisScripts.EnsureGeneration, new
        {
            force = force ? "1" : "0",
            generation = RedisKeys.Generation(prefix),
            log = RedisKeys.RevocationLog(prefix),
            state = RedisKeys.RevocationState(prefix),
            notify = (string)RedisKeys.RevocationNotify(prefix)!,
            id = Guid.NewGuid().ToString("N"),
            reason = RevocationBroker.GenerationReason + ": " + why + "; tokens issued before it are revoked",
            expireAfterMs = Millis(tokenLifetime),
        }), cancellationToken).ConfigureAwait(false);
        var started = (long)reply == 1;
        if (started && !force)
        {
            RedisLog.RedisRevocationLogNewGeneration(logger);
        }

        return started;
    }

    public async ValueTask MaintainAsync(DateTimeOffset horizon, CancellationToken cancellationToken) =>
        await RunAsync("maintain revocations", db => db.ScriptEvaluateAsync(RedisScripts.MaintainRevocations, new
        {
            log = RedisKeys.RevocationLog(prefix),
            state = RedisKeys.RevocationState(prefix),
            horizonMs = horizon.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        }), cancellationToken).ConfigureAwait(false);

    public void OnAppended(Action signal)
    {
        ArgumentNullException.ThrowIfNull(signal);

        // Pub/sub is a hint only: a lost message, or a subscription that failed (Redis down or slow
        // at start), costs at most the feed's poll interval. So subscribing never blocks the caller
        // and never throws; the multiplexer keeps the handler and subscribes again on reconnect.
        _ = SubscribeAsync(signal);
    }

    private async Task SubscribeAsync(Action signal)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(RedisKeys.RevocationNotify(prefix), (_, _) => signal()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            RedisLog.RedisRevocationLogSubscribeFailed(logger, e);
        }
    }

    private RevocationEntry Saw(RevocationEntry entry)
    {
        highWater?.Saw(entry.Cursor);
        return entry;
    }

    private static string Millis(DateTimeOffset? at) => at is { } t ? t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : string.Empty;

    private static string Millis(TimeSpan? span) => span is { } s ? ((long)s.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : string.Empty;

    private Task<T> RunAsync<T>(string operation, Func<IDatabase, Task<T>> exchange, CancellationToken cancellationToken) =>
        RedisFailClosed.RunAsync(redis, guard, operation, exchange, e => RedisLog.RedisRevocationLogUnavailable(logger, e, operation), cancellationToken);
}
