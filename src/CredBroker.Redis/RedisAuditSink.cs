using System.Globalization;
using CredBroker.Core.Audit;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// The audit log in Redis: one stream and its chain head under the <c>{au}</c> hash tag, shared by
/// every replica. A replica seals events after the head it read and appends them with a script that
/// checks the head is unchanged (append-audit.lua); a replica that lost the race seals again. Within
/// this process appends go through an <see cref="AuditBatcher"/>: one script, one round trip and one
/// fsync for all the events that arrived while the previous batch was on its way.
/// </summary>
public sealed partial class RedisAuditSink : IAuditSink, IAuditReader
{
    /// <summary>Replicas racing for the head retry this often before the append counts as failed.</summary>
    private const int MaxAttempts = 64;

    private readonly IConnectionMultiplexer redis;
    private readonly IOptions<RedisAuditOptions> audit;
    private readonly ILogger<RedisAuditSink> logger;
    private readonly RedisPersistenceGuard? guard;
    private readonly string prefix;
    private readonly AuditBatcher batcher;

    /// <summary>The head this process last saw; a stale one costs one retry, never a fork. Only the batcher's drain loop touches it.</summary>
    private (long Seq, string Hash)? knownHead;

    public RedisAuditSink(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> store, IOptions<RedisAuditOptions> audit, ILogger<RedisAuditSink> logger, RedisPersistenceGuard? guard = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.redis = redis;
        this.audit = audit;
        this.logger = logger;
        this.guard = guard;
        prefix = store.Value.KeyPrefix ?? string.Empty;
        batcher = new AuditBatcher(AppendBatchAsync);
    }

    public string Name => "redis";

    public ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken) => batcher.AppendAsync(unsealed, cancellationToken);

    private async Task<AuditEvent[]> AppendBatchAsync(IReadOnlyList<AuditEvent> batch)
    {
        try
        {
            var (seq, hash) = knownHead ?? (0, AuditCanonical.GenesisHash);
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var sealedEvents = AuditChain.SealAll(batch, seq, hash);
                var (lastSeq, lastHash) = (sealedEvents[^1].Seq, sealedEvents[^1].Hash);

                var reply = (RedisResult[])(await RunAsync("append audit events", db => db.ScriptEvaluateAsync(RedisScripts.AppendAudit, new
                {
                    head = RedisKeys.AuditHead(prefix),
                    log = RedisKeys.AuditLog(prefix),
                    genesis = AuditCanonical.GenesisHash,
                    prevSeq = seq.ToString(CultureInfo.InvariantCulture),
                    prevHash = hash,
                    seq = lastSeq.ToString(CultureInfo.InvariantCulture),
                    hash = lastHash,
                    events = string.Join('\n', sealedEvents.Select(Line)),
                    maxLength = audit.Value.RedisMaxLength.ToString(CultureInfo.InvariantCulture),
                    retentionMs = ((long)audit.Value.RedisRetention.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                }), CancellationToken.None).ConfigureAwait(false))!;
                if ((long)reply[0] == 1)
                {
                    knownHead = (lastSeq, lastHash);
                    return sealedEvents;
                }

                seq = long.Parse((string)reply[1]!, CultureInfo.InvariantCulture);
                hash = (string)reply[2]!;
            }

            throw new AuditSinkUnavailableException($"the audit chain head kept moving; gave up after {MaxAttempts} attempts");
        }
        catch (BrokerStoreUnavailableException e)
        {
            throw new AuditSinkUnavailableException(e.Message, e);
        }
    }

    /// <summary>Canonical JSON escapes control characters, so a newline can separate events in one argument.</summary>
    private static string Line(AuditEvent e)
    {
        var json = AuditCanonical.ToJson(e);
        return json.Contains('\n', StringComparison.Ordinal) ? throw new InvalidOperationException("canonical audit JSON holds a raw newline") : json;
    }

    /// <summary>The chain-head key every replica appends after: what <c>audit verify</c> compares the stream's end with.</summary>
    public async ValueTask<AuditHead> ReadHeadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var head = await RunAsync("read audit head", db => db.HashGetAsync(RedisKeys.AuditHead(prefix), ["seq", "hash"]), cancellationToken).ConfigureAwait(false);
            return head[0].IsNull
                ? new AuditHead(0, AuditCanonical.GenesisHash)
                : new AuditHead(long.Parse((string)head[0]!, CultureInfo.InvariantCulture), (string?)head[1] ?? string.Empty);
        }
        catch (BrokerStoreUnavailableException e)
        {
            throw new AuditSinkUnavailableException(e.Message, e);
        }
    }

    public async ValueTask<IReadOnlyList<AuditRecord>> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken)
    {
        var from = string.IsNullOrEmpty(afterCursor) ? "-" : "(" + afterCursor;
        var entries = await RunAsync("read audit log", db => db.StreamRangeAsync(RedisKeys.AuditLog(prefix), from, "+", max), cancellationToken).ConfigureAwait(false);
        return entries.Select(e => new AuditRecord(e.Id!, AuditCanonical.Parse((string)e["e"]!))).ToList();
    }

    /// <summary>A stream id: milliseconds, a dash, a sequence.</summary>
    public bool IsCursor(string cursor) =>
        cursor.Split('-') is [var ms, var n] && ms.Length is > 0 and <= 20 && n.Length is > 0 and <= 20 && ms.All(char.IsAsciiDigit) && n.All(char.IsAsciiDigit);

    private Task<T> RunAsync<T>(string operation, Func<IDatabase, Task<T>> exchange, CancellationToken cancellationToken) =>
        RedisFailClosed.RunAsync(redis, guard, operation, exchange, e => RedisLog.RedisAuditSinkUnavailable(logger, e, operation), cancellationToken);
}
