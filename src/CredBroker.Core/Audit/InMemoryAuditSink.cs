using System.Globalization;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Audit;

/// <summary>The in-memory store's audit log: one chain in this process, the oldest events dropped past the cap.</summary>
public sealed class InMemoryAuditSink(IOptions<AuditOptions> options) : IAuditSink, IAuditReader
{
    private readonly int max = Math.Max(1, options.Value.MemoryMaxEvents);
    private readonly LinkedList<AuditEvent> events = new();
    private readonly Lock gate = new();
    private long lastSeq;
    private string lastHash = AuditCanonical.GenesisHash;

    public string Name => "memory";

    /// <summary>Gone with the process: never the record when a durable sink is configured.</summary>
    public bool Durable => false;

    public ValueTask<AuditHead> ReadHeadAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return ValueTask.FromResult(new AuditHead(lastSeq, lastHash));
        }
    }

    public ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var sealedEvent = AuditChain.Seal(unsealed, lastSeq + 1, lastHash);
            events.AddLast(sealedEvent);
            if (events.Count > max)
            {
                events.RemoveFirst();
            }

            lastSeq = sealedEvent.Seq;
            lastHash = sealedEvent.Hash;
            return ValueTask.FromResult(sealedEvent);
        }
    }

    public ValueTask<IReadOnlyList<AuditRecord>> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken)
    {
        var after = string.IsNullOrEmpty(afterCursor) ? 0 : long.Parse(afterCursor, CultureInfo.InvariantCulture);
        lock (gate)
        {
            IReadOnlyList<AuditRecord> page = events
                .SkipWhile(e => e.Seq <= after)
                .Take(max)
                .Select(e => new AuditRecord(e.Seq.ToString(CultureInfo.InvariantCulture), e))
                .ToList();
            return ValueTask.FromResult(page);
        }
    }

    public bool IsCursor(string cursor) => long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out _);
}
