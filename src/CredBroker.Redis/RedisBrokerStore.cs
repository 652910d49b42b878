using System.Globalization;
using System.Text.Json;
using CredBroker.Core.Approvals;
using CredBroker.Core.Grants;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// The store for real deployments and for several broker replicas. Each decision is one Lua script
/// with <c>iat</c> and revocation times from Redis <c>TIME</c> (invariants 2 and 4): most over the keys
/// of one task (one cluster slot); the grant insert also reads the standing rules (<c>{rv}</c>) and
/// counts the workload's caps (<c>{w:...}</c>) in the same step, so it needs those slots on one server. Any failure to reach Redis throws
/// <see cref="BrokerStoreUnavailableException"/>: the broker fails closed (invariant 1).
/// </summary>
public sealed partial class RedisBrokerStore : IBrokerStore, IApprovalStore, IQuotaStore, IDisposable
{
    /// <summary>
    /// Covers the time between writing the grant index and the script stamping <c>iat</c>, so the
    /// index never expires before its grant. Costs an index entry at most this long past its grant.
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
            throw new ArgumentException("CredBroker:RedisKeyPrefix must not contain '{' or '}'", nameof(options));
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
        // An upper bound of the grant's exp, for the two indexes outside the task's slot: they may
        // outlive the grant by the slack, never the other way round.
        var indexLifetime = TimeSpan.FromSeconds(ttlSeconds) + IndexSlack;
        var quota = draft.Quota is { IsUnlimited: false } caps ? caps : null;
        // The broker checks this first; here it is the store's own last line, for a check that changed meanwhile.
        if (guard?.Current is { AcceptsGrants: false } condition)
        {
            return condition.Kind == StoreConditionKind.NearlyFull
                ? new GrantInsertResult.StoreFull(condition.Detail)
                : throw new BrokerStoreUnavailableException(condition.Detail);
        }

        // The caller's bound on the broker's clock, moved onto Redis's clock that the script reads.
        var writeBy = draft.WriteBy is { } by
            ? (by + (guard?.ClockOffset ?? TimeSpan.Zero)).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)
            : string.Empty;
        var reply = await RunAsync("insert grant", draft.TaskId, async db =>
        {
            // One round trip: the three commands go out together and Redis runs them in order. The
            // index must succeed as well as the insert: a grant that could not be found by its id
            // could not be revoked by it, so a failure of any of them issues no token (invariant 1).
            var indexed = db.StringSetAsync(index, draft.TaskId, indexLifetime, When.Always);
            var inserted = db.ScriptEvaluateAsync(RedisScripts.InsertGrant, new
            {
                taskRevoked = RedisKeys.TaskRevoked(prefix, draft.TaskId),
                records = RedisKeys.GrantRecords(prefix, draft.TaskId),
                taskGrants = RedisKeys.TaskGrants(prefix, draft.TaskId),
                revokedGrants = RedisKeys.RevokedGrants(prefix, draft.TaskId),
                task = RedisKeys.Task(prefix, draft.TaskId),
                state = RedisKeys.RevocationState(prefix),
                rate = RedisKeys.WorkloadRate(prefix, draft.WorkloadId),
                live = RedisKeys.WorkloadLive(prefix, draft.WorkloadId),
                ruleFields = RuleFields(draft),
                windowMs = (long)(quota?.Rate?.Window.TotalMilliseconds ?? 0),
                maxRate = quota?.Rate?.Count ?? 0,
                maxLive = quota?.MaxLiveGrants ?? 0,
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
                writeByMs = writeBy,
                holder = draft.Delegation?.Holder ?? string.Empty,
                notAfterS = draft.ParentExpiresAt is { } parentExp ? parentExp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : string.Empty,
            });
            // Listed for operators (ListGrants); GT keeps the task's latest bound.
            var listed = db.ScriptEvaluateAsync(RedisScripts.TrackLiveTask, new
            {
                liveTasks = RedisKeys.LiveTasks(prefix),
                taskId = draft.TaskId,
                lifetimeMs = (long)indexLifetime.TotalMilliseconds,
            });
            await Task.WhenAll(indexed, inserted, listed).ConfigureAwait(false);
            return await inserted.ConfigureAwait(false);
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
                6 => new GrantInsertResult.TooLate(),
                7 => new GrantInsertResult.RulesStand(
                    values.Skip(2).Select(r => RevocationJson.Entry((string)r!).Rule).ToList(),
                    DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)values[1]!, CultureInfo.InvariantCulture))),
                8 => new GrantInsertResult.QuotaExceeded(new QuotaResult.RateLimited(quota!.Rate!.Count, quota.Rate.Window, TimeSpan.FromMilliseconds((long)values[1]))),
                9 => new GrantInsertResult.QuotaExceeded(new QuotaResult.TooManyLive((int)values[1], TimeSpan.FromMilliseconds((long)values[2]))),
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

        return new GrantInsertResult.Inserted(grant);
    }

    /// <summary>The revocation-state fields whose standing rule would refuse this grant, as JSON for the script.</summary>
    private static string RuleFields(GrantDraft draft) => JsonSerializer.Serialize(
        draft.Tools.Select(t => $"{RevocationKind.Tool}:{t}").Concat(draft.RuleWorkloads.Distinct(StringComparer.Ordinal).Select(w => $"{RevocationKind.Workload}:{w}")).Append($"{RevocationKind.All}:").ToArray());

    public ValueTask DiscardGrantAsync(string taskId, string grantId, string workloadId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentException.ThrowIfNullOrEmpty(grantId);
        // Fire and forget, on purpose: sent now on the connection the insert went out on, it runs after
        // that insert even while Redis is stalled; waiting for its answer would keep the caller waiting.
        Forget(db => db.ScriptEvaluateAsync(RedisScripts.DiscardGrant, new
        {
            records = RedisKeys.GrantRecords(prefix, taskId),
            taskGrants = RedisKeys.TaskGrants(prefix, taskId),
            grantId,
        }, CommandFlags.FireAndForget));
        Forget(db => db.KeyDeleteAsync(RedisKeys.GrantIndex(prefix, grantId), CommandFlags.FireAndForget));
        Forget(db => db.SortedSetRemoveAsync(RedisKeys.WorkloadLive(prefix, workloadId), grantId, CommandFlags.FireAndForget));
        Forget(db => db.SortedSetRemoveAsync(RedisKeys.WorkloadRate(prefix, workloadId), grantId, CommandFlags.FireAndForget));
        return ValueTask.CompletedTask;
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
                records = RedisKeys.GrantRecords(prefix, taskId),
                task = RedisKeys.Task(prefix, taskId),
                taskRevoked = RedisKeys.TaskRevoked(prefix, taskId),
                grantId,
                taskId,
            }).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        if (reply is null || reply.IsNull)
        {
            return null;
        }

        var values = (RedisResult[])reply!;
        var holder = values.Length > GrantFields.Count + 2 ? (string?)values[GrantFields.Count + 2] : null;
        return new StoredGrant(
            GrantFields.ToRecord(grantId, values, 0) with { Holder = string.IsNullOrEmpty(holder) ? null : holder },
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
                records = RedisKeys.GrantRecords(prefix, taskId),
                taskGrants = RedisKeys.TaskGrants(prefix, taskId),
                revokedGrants = RedisKeys.RevokedGrants(prefix, taskId),
                task = RedisKeys.Task(prefix, taskId),
                grantId,
                taskId,
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
            records = RedisKeys.GrantRecords(prefix, taskId),
            grantId,
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
