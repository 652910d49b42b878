using System.Globalization;
using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// The store for real deployments and for several broker replicas. Each decision is one Lua script
/// over the keys of one task (one cluster slot), with <c>iat</c> and revocation times from Redis
/// <c>TIME</c> (invariants 2 and 4). Any failure to reach Redis throws
/// <see cref="BrokerStoreUnavailableException"/>: the broker fails closed (invariant 1).
/// </summary>
public sealed partial class RedisBrokerStore : IBrokerStore, IDisposable
{
    /// <summary>
    /// Covers the time between writing the grant index and the script stamping <c>iat</c>, so the
    /// index never expires before its grant even if the exact expiry set afterwards is lost.
    /// </summary>
    private static readonly TimeSpan IndexSlack = TimeSpan.FromMinutes(1);

    private readonly IConnectionMultiplexer redis;
    private readonly string prefix;
    private readonly StoreOptions storeOptions;
    private readonly ILogger<RedisBrokerStore> logger;

    private readonly RedisPersistenceGuard? guard;

    /// <param name="guard">Keeps the store closed until Redis persistence is verified; null when the caller checked it.</param>
    public RedisBrokerStore(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> options, IOptions<StoreOptions> storeOptions, ILogger<RedisBrokerStore> logger, RedisPersistenceGuard? guard = null)
    {
        this.guard = guard;
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storeOptions);
        if (!RedisKeys.IsValidPrefix(options.Value.KeyPrefix))
        {
            throw new ArgumentException("CredBroker:Redis:KeyPrefix must not contain '{' or '}'", nameof(options));
        }

        this.redis = redis;
        prefix = options.Value.KeyPrefix ?? string.Empty;
        this.storeOptions = storeOptions.Value;
        this.logger = logger;
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
    }

    public async ValueTask<GrantInsertResult> InsertGrantAsync(GrantDraft draft, bool requireOpenTask, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var ttlSeconds = Math.Max(1, (long)draft.Ttl.TotalSeconds); // as GrantDraft.Stamp
        var index = RedisKeys.GrantIndex(prefix, draft.GrantId);
        var reply = await RunAsync("insert grant", draft.TaskId, async db =>
        {
            // The index goes first and must succeed: a grant that could not be found by its id could
            // not be revoked by it. Its lifetime is an upper bound here and made exact below.
            await db.StringSetAsync(index, draft.TaskId, TimeSpan.FromSeconds(ttlSeconds) + IndexSlack, When.Always).ConfigureAwait(false);
            return await db.ScriptEvaluateAsync(RedisScripts.InsertGrant, new
            {
                taskRevoked = RedisKeys.TaskRevoked(prefix, draft.TaskId),
                grant = RedisKeys.Grant(prefix, draft.TaskId, draft.GrantId),
                taskGrants = RedisKeys.TaskGrants(prefix, draft.TaskId),
                task = RedisKeys.Task(prefix, draft.TaskId),
                requireOpen = requireOpenTask ? "1" : "0",
                retentionMs = ((long)storeOptions.RevokedTaskRetention.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                grantId = draft.GrantId,
                taskId = draft.TaskId,
                workloadId = draft.WorkloadId,
                owner = draft.Owner,
                purpose = draft.Purpose,
                tools = GrantFields.JoinTools(draft.Tools),
                audience = draft.Audience,
                ttlSeconds,
            }).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        if ((long)values[0] != 1)
        {
            Forget(db => db.KeyDeleteAsync(index, CommandFlags.FireAndForget));
            return (long)values[0] switch
            {
                0 => new GrantInsertResult.TaskRevoked(GrantFields.Time(values[1])),
                2 => new GrantInsertResult.TaskNotOpened(),
                3 => new GrantInsertResult.TaskOwnedByOther((string)values[1]!),
                4 => new GrantInsertResult.OutsideEnvelope((string)values[1]!),
                _ => new GrantInsertResult.TaskExpired(GrantFields.Time(values[1])),
            };
        }

        // Stamp is the one definition of iat/exp; the script must have stored the same exp.
        var deadline = (string?)values[3] is { Length: > 0 } ms ? GrantFields.Time(values[3]) : (DateTimeOffset?)null;
        var grant = (draft with { NotAfter = deadline }).Stamp(DateTimeOffset.FromUnixTimeSeconds((long)values[1]));
        if (grant.ExpiresAt.ToUnixTimeSeconds() != (long)values[2])
        {
            throw new InvalidOperationException($"insert-grant stored exp {(long)values[2]} but GrantDraft.Stamp gives {grant.ExpiresAt.ToUnixTimeSeconds()}");
        }

        Forget(db => db.KeyExpireAsync(index, grant.ExpiresAt.UtcDateTime, CommandFlags.FireAndForget));

        // Listed for operators; a failure here is UNAVAILABLE like any other, so no unlisted token is handed out.
        await RunAsync("index grant", draft.GrantId, db => db.SortedSetAddAsync(RedisKeys.LiveGrants(prefix), grant.GrantId, grant.ExpiresAt.ToUnixTimeMilliseconds()), cancellationToken).ConfigureAwait(false);
        return new GrantInsertResult.Inserted(grant);
    }

    public async ValueTask<TaskRevocationResult> RevokeTaskAsync(string taskId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        var reply = await RunAsync("revoke task", taskId, db => db.ScriptEvaluateAsync(RedisScripts.RevokeTask, new
        {
            taskRevoked = RedisKeys.TaskRevoked(prefix, taskId),
            taskGrants = RedisKeys.TaskGrants(prefix, taskId),
            reason = reason ?? string.Empty,
            retentionMs = (long)storeOptions.RevokedTaskRetention.TotalMilliseconds,
        }), cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        return new TaskRevocationResult((long)values[2], GrantFields.Time(values[1]), AlreadyRevoked: (long)values[0] == 1);
    }

    public async ValueTask<StoredGrant?> FindGrantAsync(string grantId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(grantId);
        var reply = await RunAsync("find grant", grantId, async db =>
        {
            var taskId = (string?)await db.StringGetAsync(RedisKeys.GrantIndex(prefix, grantId)).ConfigureAwait(false);
            return taskId is null ? null : await db.ScriptEvaluateAsync(RedisScripts.FindGrant, new
            {
                grant = RedisKeys.Grant(prefix, taskId, grantId),
                taskRevoked = RedisKeys.TaskRevoked(prefix, taskId),
            }).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        if (reply is null || reply.IsNull)
        {
            return null;
        }

        var values = (RedisResult[])reply!;
        return new StoredGrant(
            GrantFields.ToRecord(grantId, values, 0),
            GrantFields.OptionalTime(values[GrantFields.Count]),
            GrantFields.OptionalTime(values[GrantFields.Count + 1]));
    }

    public async ValueTask<GrantRevocationResult?> RevokeGrantAsync(string grantId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(grantId);
        var reply = await RunAsync("revoke grant", grantId, async db =>
        {
            var taskId = (string?)await db.StringGetAsync(RedisKeys.GrantIndex(prefix, grantId)).ConfigureAwait(false);
            return taskId is null ? null : await db.ScriptEvaluateAsync(RedisScripts.RevokeGrant, new
            {
                grant = RedisKeys.Grant(prefix, taskId, grantId),
                taskGrants = RedisKeys.TaskGrants(prefix, taskId),
                grantId,
                reason = reason ?? string.Empty,
            }).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        if (reply is null || reply.IsNull)
        {
            return null;
        }

        var values = (RedisResult[])reply!;
        return new GrantRevocationResult(GrantFields.Time(values[1]), AlreadyRevoked: (long)values[0] == 1, GrantFields.ToRecord(grantId, values, 2));
    }

    public async ValueTask<GrantStatus> GetGrantStatusAsync(string taskId, string grantId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentException.ThrowIfNullOrEmpty(grantId);
        var reply = await RunAsync("grant status", grantId, db => db.ScriptEvaluateAsync(RedisScripts.GrantStatus, new
        {
            taskRevoked = RedisKeys.TaskRevoked(prefix, taskId),
            grant = RedisKeys.Grant(prefix, taskId, grantId),
        }), cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        return (string?)values[0] switch
        {
            "active" => GrantStatus.Active,
            "unknown" => GrantStatus.Unknown,
            "grant" => new GrantStatus(GrantState.GrantRevoked, GrantFields.Time(values[1])),
            "task" => new GrantStatus(GrantState.TaskRevoked, GrantFields.Time(values[1])),
            var other => throw new InvalidOperationException($"grant-status returned '{other}'"),
        };
    }

    public async ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken)
    {
        var reply = await RunAsync("read time", "TIME", db => db.ExecuteAsync("TIME"), cancellationToken).ConfigureAwait(false);
        var values = (RedisResult[])reply!;
        // Millisecond resolution like every time the scripts store, so the clock never reads later than a time it stamped.
        return DateTimeOffset.FromUnixTimeMilliseconds(((long)values[0] * 1000) + ((long)values[1] / 1000));
    }

    public void Dispose()
    {
        redis.ConnectionFailed -= OnConnectionFailed;
        redis.ConnectionRestored -= OnConnectionRestored;
    }
}
