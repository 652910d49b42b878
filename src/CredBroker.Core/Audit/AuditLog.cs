using CredBroker.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Audit;

/// <summary>
/// Appends each decision to every configured sink. Like Vault's audit devices, a decision stands only
/// when at least one sink took its event: <see cref="TryAppendAsync"/> returns null when none did, and
/// the caller fails closed (no grant without its audit record, invariant 6).
/// </summary>
public sealed partial class AuditLog(IEnumerable<IAuditSink> sinks, TimeProvider time, ILogger<AuditLog> logger, BrokerMetrics metrics)
{
    private readonly IAuditSink[] sinks = sinks.ToArray();

    // One outage per sink, so a dead file sink beside a live Redis stream is still one warning, not one per event.
    private readonly Dictionary<IAuditSink, OutageLog> outages = sinks.Distinct().ToDictionary(s => s, s => new OutageLog($"audit sink {s.Name}", logger, time));

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
            string.Empty);

        AuditEvent? taken = null;
        foreach (var sink in sinks)
        {
            try
            {
                var sealedEvent = await sink.AppendAsync(unsealed, cancellationToken).ConfigureAwait(false);
                taken ??= sealedEvent;
                outages[sink].Succeeded();
            }
            catch (AuditSinkUnavailableException e)
            {
                outages[sink].Failed(e);
                LogSinkFailed(e, sink.Name, entry.Kind, unsealed.Id);
            }
        }

        if (taken is null)
        {
            LogNoSink(entry.Kind, unsealed.Id, sinks.Length);
        }

        metrics.Observe(entry, taken is not null);
        return taken;
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "Audit sink {Sink} could not take event {EventId} ({Kind})")]
    private partial void LogSinkFailed(Exception error, string sink, string kind, string eventId);

    /// <summary>Debug: each sink's outage is a warning of its own (<see cref="OutageLog"/>); whoever needed the record (an issued grant) fails closed.</summary>
    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "No audit sink took event {EventId} ({Kind}) of {SinkCount} configured")]
    private partial void LogNoSink(string kind, string eventId, int sinkCount);
}
