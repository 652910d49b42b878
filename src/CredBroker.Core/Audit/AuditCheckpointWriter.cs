using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Audit;

/// <summary>
/// Appends a signed checkpoint of each sink's own chain head to that sink (every
/// <see cref="AuditOptions.CheckpointInterval"/> and at shutdown). A sink whose head has not moved
/// since its last checkpoint gets none, unless its last append failed: then the checkpoint is the
/// retry that shows it can take events again.
/// </summary>
public sealed partial class AuditCheckpointWriter(AuditLog log, AuditSigningKeys keys, AuditSinkHealth health, TimeProvider time, ILogger<AuditCheckpointWriter> logger)
{
    /// <summary>Per sink, where its last checkpoint from this process landed.</summary>
    private readonly ConcurrentDictionary<string, AuditHead> written = new(StringComparer.Ordinal);

    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        foreach (var sink in log.Sinks)
        {
            try
            {
                var head = await sink.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
                var unchanged = head.Seq == 0 || (written.TryGetValue(sink.Name, out var last) && last == head);
                if (unchanged && health.LastFailure(sink) is null)
                {
                    continue;
                }

                var checkpoint = await log.AppendToAsync(sink, AuditCheckpointWriter.Create(head, time.GetUtcNow(), keys), cancellationToken).ConfigureAwait(false);
                written[sink.Name] = new AuditHead(checkpoint.Seq, checkpoint.Hash);
                CoreLog.AuditCheckpointWriterCheckpoint(logger, sink.Name, head.Seq, checkpoint.Seq);
            }
            catch (AuditSinkUnavailableException e)
            {
                // The sink's health already says so; the next interval tries again.
                CoreLog.AuditCheckpointWriterCheckpointFailed(logger, e, sink.Name);
            }
        }
    }

    /// <summary>The unsealed checkpoint event of <paramref name="head"/>, signed with <paramref name="keys"/>' active key.</summary>
    public static AuditEvent Create(AuditHead head, DateTimeOffset now, AuditSigningKeys keys)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(keys);
        var time = AuditCanonical.Truncate(now);
        var stamp = time.UtcDateTime.ToString(AuditCheckpoint.TimeFormat, CultureInfo.InvariantCulture);
        var signature = keys.Sign(AuditCheckpoint.Payload(head.Seq, head.Hash, stamp));
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AuditCheckpoint.Seq] = head.Seq.ToString(CultureInfo.InvariantCulture),
            [AuditCheckpoint.Hash] = head.Hash,
            [AuditCheckpoint.Time] = stamp,
            [AuditCheckpoint.Kid] = keys.Active.Kid,
            [AuditCheckpoint.Signature] = Base64Url.Encode(signature),
        };
        return new AuditEvent(
            0, AuditIds.New(), time, AuditKinds.Checkpoint, "signed", AuditContext.Broker, string.Empty, string.Empty, string.Empty,
            string.Empty, string.Empty, [], string.Empty, $"chain head at seq {head.Seq}", evidence, string.Empty, string.Empty);
    }
}
