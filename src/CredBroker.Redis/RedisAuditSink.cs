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
/// checks the head is unchanged (append-audit.lua); a replica that lost the race seals again.
/// <para>
/// The chain is one sequence, so this process appends one batch at a time. Events that arrive while
/// a batch is on its way wait for the next one, which takes them all (group commit): under load a
/// batch carries many events for one round trip and one fsync, and no caller returns before Redis
/// acknowledged its event (invariant 6).
/// </para>
/// </summary>
public sealed partial class RedisAuditSink(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> store, IOptions<AuditOptions> audit, ILogger<RedisAuditSink> logger, RedisPersistenceGuard? guard = null) : IAuditSink, IAuditReader
{
    /// <summary>Replicas racing for the head retry this often before the append counts as failed.</summary>
    private const int MaxAttempts = 64;

    /// <summary>Events one script appends at most.</summary>
    private const int MaxBatch = 256;

    private readonly string prefix = store.Value.KeyPrefix ?? string.Empty;

    private readonly Lock gate = new();

    /// <summary>Events waiting for the next batch; guarded by <see cref="gate"/>.</summary>
    private List<Pending> waiting = [];

    /// <summary>Whether a drain loop is running; guarded by <see cref="gate"/>.</summary>
    private bool draining;

    /// <summary>The head this process last saw; a stale one costs one retry, never a fork. Only the drain loop touches it.</summary>
    private (long Seq, string Hash)? knownHead;

    public string Name => "redis";

    public async ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unsealed);
        var pending = new Pending(unsealed, new TaskCompletionSource<AuditEvent>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (gate)
        {
            waiting.Add(pending);
            start = !draining;
            draining = true;
        }

        if (start)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        // A caller that gives up does not take its event back: it may already be on its way.
        return await pending.Sealed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (gate)
            {
                if (waiting.Count == 0)
                {
                    draining = false;
                    return;
                }

                if (waiting.Count <= MaxBatch)
                {
                    batch = waiting;
                    waiting = [];
                }
                else
                {
                    batch = waiting[..MaxBatch];
                    waiting.RemoveRange(0, MaxBatch);
                }
            }

            try
            {
                var sealedEvents = await AppendBatchAsync(batch).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Sealed.TrySetResult(sealedEvents[i]);
                }
            }
            catch (Exception e)
            {
                var failure = e as AuditSinkUnavailableException ?? new AuditSinkUnavailableException(e.Message, e);
                foreach (var pending in batch)
                {
                    pending.Sealed.TrySetException(failure);
                }
            }
        }
    }

    private async Task<AuditEvent[]> AppendBatchAsync(List<Pending> batch)
    {
        try
        {
            var (seq, hash) = knownHead ?? (0, AuditCanonical.GenesisHash);
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var sealedEvents = new AuditEvent[batch.Count];
                var (lastSeq, lastHash) = (seq, hash);
                for (var i = 0; i < batch.Count; i++)
                {
                    sealedEvents[i] = AuditChain.Seal(batch[i].Unsealed, ++lastSeq, lastHash);
                    lastHash = sealedEvents[i].Hash;
                }

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

    private sealed record Pending(AuditEvent Unsealed, TaskCompletionSource<AuditEvent> Sealed);

    [LoggerMessage(EventId = 9111, Level = LogLevel.Warning, Message = "Redis audit log unavailable during {Operation}")]
    private partial void LogUnavailable(Exception error, string operation);
}
