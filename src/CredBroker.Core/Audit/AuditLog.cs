using System.Diagnostics;
using CredBroker.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Audit;

/// <summary>
/// Appends each decision to every configured sink. A decision stands only when its event is on
/// record: with a durable sink configured (a file, Redis), every durable sink must have taken it and
/// the in-memory sink does not count; with none, the in-memory sink is the record.
/// <see cref="TryAppendAsync"/> returns null otherwise, and the caller fails closed (no grant
/// without its audit record, invariant 6).
/// </summary>
public sealed partial class AuditLog(IEnumerable<IAuditSink> sinks, TimeProvider time, ILogger<AuditLog> logger, BrokerMetrics metrics, AuditSinkHealth health)
{
    private readonly IAuditSink[] sinks = sinks.ToArray();

    // One outage per sink, so a dead file sink beside a live Redis stream is still one warning, not one per event.
    private readonly Dictionary<IAuditSink, OutageLog> outages = sinks.Distinct().ToDictionary(s => s, s => new OutageLog($"audit sink {s.Name}", logger, time));

    /// <summary>The sinks whose events count as the record: the durable ones, or all when none is.</summary>
    public IReadOnlyList<IAuditSink> RecordSinks { get; } = sinks.Any(s => s.Durable) ? sinks.Where(s => s.Durable).ToArray() : sinks.ToArray();

    /// <summary>Every configured sink, in the order they are written.</summary>
    public IReadOnlyList<IAuditSink> Sinks => sinks;

    /// <summary>Appends <paramref name="unsealed"/> to one sink only (a checkpoint of that sink's own chain), keeping <see cref="AuditSinkHealth"/> current.</summary>
    public async Task<AuditEvent> AppendToAsync(IAuditSink sink, AuditEvent unsealed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        try
        {
            var sealedEvent = await sink.AppendAsync(unsealed, cancellationToken).ConfigureAwait(false);
            health.Succeeded(sink);
            outages[sink].Succeeded();
            return sealedEvent;
        }
        catch (AuditSinkUnavailableException e)
        {
            health.Failed(sink, e);
            outages[sink].Failed(e);
            CoreLog.AuditLogSinkFailed(logger, e, sink.Name, unsealed.Kind, unsealed.Id);
            throw;
        }
    }

    /// <summary>The event as the first sink that took it sealed it; null when no sink could take it.</summary>
    public async Task<AuditEvent?> TryAppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var actor = AuditContext.Current;
        var unsealed = new AuditEvent(
            0,
            AuditIds.New(),
            AuditCanonical.Truncate(time.GetUtcNow()),
            entry.Kind,
            entry.Decision,
            actor?.Caller ?? AuditContext.Broker,
            actor?.RequestId ?? string.Empty,
            entry.WorkloadId,
            entry.Owner,
            entry.TaskId,
            entry.Purpose,
            entry.Tools,
            entry.GrantId,
            entry.Reason,
            entry.Evidence,
            string.Empty,
            string.Empty)
        {
            // The W3C trace the decision was made in (the caller's traceparent continued), so one agent action
            // can be followed from its grant to its tool use; empty outside a trace.
            TraceId = Activity.Current is { } activity ? activity.TraceId.ToHexString() : string.Empty,
        };

        var record = RecordSinks;
        AuditEvent? taken = null;
        var missed = false;
        foreach (var sink in sinks)
        {
            try
            {
                var sealedEvent = await AppendToAsync(sink, unsealed, cancellationToken).ConfigureAwait(false);
                if (record.Contains(sink))
                {
                    taken ??= sealedEvent;
                }
            }
            catch (AuditSinkUnavailableException)
            {
                // Already logged; a record sink that missed the event leaves the decision unrecorded.
                missed |= record.Contains(sink);
            }
        }

        if (missed)
        {
            taken = null;
        }

        if (taken is null)
        {
            CoreLog.AuditLogNoSink(logger, entry.Kind, unsealed.Id, sinks.Length);
        }

        metrics.Observe(entry, taken is not null);
        return taken;
    }
}
