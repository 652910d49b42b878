using System.Globalization;
using CredBroker.Core.Audit;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// The audit log in Redis: one stream and its chain head under the <c>{au}</c> hash tag, shared by
/// every replica. A replica seals an event after the head it read and appends it with a script that
/// checks the head is unchanged (append-audit.lua); a replica that lost the race seals again.
/// </summary>
public sealed partial class RedisAuditSink(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> store, IOptions<AuditOptions> audit, ILogger<RedisAuditSink> logger, RedisPersistenceGuard? guard = null) : IAuditSink, IAuditReader, IDisposable
{
    /// <summary>Replicas racing for the head retry this often before the append counts as failed.</summary>
    private const int MaxAttempts = 64;

    private readonly string prefix = store.Value.KeyPrefix ?? string.Empty;

    /// <summary>One append at a time from this process: only other replicas can move the head under it.</summary>
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>The head this process last saw; a stale one costs one retry, never a fork.</summary>
    private (long Seq, string Hash)? knownHead;

    public string Name => "redis";

    public async ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (seq, hash) = knownHead ?? (0, AuditCanonical.GenesisHash);
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var sealedEvent = AuditChain.Seal(unsealed, seq + 1, hash);
                var reply = (RedisResult[])(await RunAsync("append audit event", db => db.ScriptEvaluateAsync(RedisScripts.AppendAudit, new
                {
                    head = RedisKeys.AuditHead(prefix),
                    log = RedisKeys.AuditLog(prefix),
                    genesis = AuditCanonical.GenesisHash,
                    prevSeq = seq.ToString(CultureInfo.InvariantCulture),
                    prevHash = hash,
                    seq = sealedEvent.Seq.ToString(CultureInfo.InvariantCulture),
                    hash = sealedEvent.Hash,
                    @event = AuditCanonical.ToJson(sealedEvent),
                    maxLength = audit.Value.RedisMaxLength.ToString(CultureInfo.InvariantCulture),
                    retentionMs = ((long)audit.Value.RedisRetention.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                }), cancellationToken).ConfigureAwait(false))!;
                if ((long)reply[0] == 1)
                {
                    knownHead = (sealedEvent.Seq, sealedEvent.Hash);
                    return sealedEvent;
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
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

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
        RedisFailClosed.RunAsync(redis, guard, operation, exchange, e => LogUnavailable(e, operation), cancellationToken);

    [LoggerMessage(EventId = 9111, Level = LogLevel.Warning, Message = "Redis audit log unavailable during {Operation}")]
    private partial void LogUnavailable(Exception error, string operation);
}
