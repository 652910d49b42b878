using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Audit;

/// <summary>A recorded tool use: its audit event, and what the anomaly rules did about it.</summary>
public sealed record ToolUseRecorded(AuditEvent Event, IReadOnlyList<string> AnomalyActions);

/// <summary>
/// Puts a tool server's report of one token use on the audit record, with the grant's workload,
/// owner, task and purpose looked up by its id (the tool server need not send them), and hands it to
/// the anomaly rules.
/// </summary>
public sealed partial class ToolUseRecorder(IBrokerStore store, AuditLog log, IEnumerable<IToolUseObserver> observers, ILogger<ToolUseRecorder> logger)
{
    public async Task<BrokerResult<ToolUseRecorded>> RecordAsync(ToolUseReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Validate() is { } invalid)
        {
            return invalid;
        }

        StoredGrant? stored;
        try
        {
            stored = await store.FindGrantAsync(report.GrantId, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException e)
        {
            LogStoreUnavailable(e, report.GrantId);
            return Refusal.StoreUnavailable("grant store unavailable; the tool use was not recorded");
        }

        var grant = stored?.Grant;
        var evidence = new Dictionary<string, string> { ["action"] = report.Action, ["outcome"] = report.Outcome };
        if (!string.IsNullOrEmpty(report.PresenterWorkloadId))
        {
            evidence["presenter_workload_id"] = report.PresenterWorkloadId;
        }

        if (grant is null)
        {
            // An expired grant's record is gone: the report stands on what the tool server said.
            evidence["grant"] = "unknown or expired";
        }

        var entry = new AuditEntry(AuditKinds.ToolUse, report.Outcome)
        {
            WorkloadId = grant?.WorkloadId ?? report.WorkloadId,
            Owner = grant?.Owner ?? string.Empty,
            TaskId = grant?.TaskId ?? report.TaskId,
            Purpose = grant?.Purpose ?? string.Empty,
            Tools = [report.Tool],
            GrantId = report.GrantId,
            Reason = report.Detail,
            Evidence = evidence,
        };
        var recorded = await log.TryAppendAsync(entry, cancellationToken).ConfigureAwait(false);
        if (recorded is null)
        {
            return Refusal.StoreUnavailable("audit log unavailable; the tool use was not recorded");
        }

        var actions = new List<string>();
        foreach (var observer in observers)
        {
            actions.AddRange(await observer.ObserveAsync(report, grant, cancellationToken).ConfigureAwait(false));
        }

        return BrokerResult<ToolUseRecorded>.Ok(new ToolUseRecorded(recorded, actions));
    }

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Store unavailable while recording a use of grant {GrantId}")]
    private partial void LogStoreUnavailable(Exception error, string grantId);
}

/// <summary>Told of each recorded tool use (the anomaly rules); returns the actions it took.</summary>
public interface IToolUseObserver
{
    ValueTask<IReadOnlyList<string>> ObserveAsync(ToolUseReport report, Grants.GrantRecord? grant, CancellationToken cancellationToken);
}
