using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Audit;

/// <summary>A recorded tool use: its audit event, and what the anomaly rules did about it.</summary>
public sealed record ToolUseRecorded(AuditEvent Event, IReadOnlyList<string> AnomalyActions);

/// <summary>
/// Puts a tool server's report of one token use on the audit record, with the grant's workload,
/// owner, task and purpose looked up by its id (the tool server need not send them), and hands it to
/// the anomaly rules. Only a report on a live grant of an audience the reporter serves reaches the
/// rules: otherwise one tool server could name any workload or task and have it quarantined or revoked.
/// </summary>
public sealed partial class ToolUseRecorder(IBrokerStore store, AuditLog log, IEnumerable<IToolUseObserver> observers, IPolicySource policy, ILogger<ToolUseRecorder> logger)
{
    /// <param name="reporterId">The tool server's own identity, as authenticated.</param>
    public async Task<BrokerResult<ToolUseRecorded>> RecordAsync(ToolUseReport report, string reporterId, CancellationToken cancellationToken)
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
            CoreLog.ToolUseRecorderStoreUnavailable(logger, e, report.GrantId);
            return Refusal.StoreUnavailable("grant store unavailable; the tool use was not recorded");
        }

        var evidence = new Dictionary<string, string> { ["action"] = report.Action, ["outcome"] = report.Outcome };
        if (!string.IsNullOrEmpty(report.PresenterWorkloadId))
        {
            evidence["presenter_workload_id"] = report.PresenterWorkloadId;
        }

        var grant = stored?.Grant;
        if (grant is null)
        {
            // The report stands on the reporter's word alone: kept as evidence, never as the event's subject.
            evidence["grant"] = "unknown or expired";
            Claimed(evidence, report);
        }
        else if (!policy.Current.Serves(reporterId, grant.Audience))
        {
            evidence["grant"] = $"for audience {grant.Audience}, which the reporter does not serve";
            Claimed(evidence, report);
            grant = null;
        }

        var entry = new AuditEntry(AuditKinds.ToolUse, report.Outcome)
        {
            WorkloadId = grant?.WorkloadId ?? string.Empty,
            Owner = grant?.Owner ?? string.Empty,
            TaskId = grant?.TaskId ?? string.Empty,
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
        if (grant is not null)
        {
            foreach (var observer in observers)
            {
                actions.AddRange(await observer.ObserveAsync(report, grant, cancellationToken).ConfigureAwait(false));
            }
        }

        return BrokerResult<ToolUseRecorded>.Ok(new ToolUseRecorded(recorded, actions));
    }

    private static void Claimed(Dictionary<string, string> evidence, ToolUseReport report)
    {
        if (!string.IsNullOrEmpty(report.WorkloadId))
        {
            evidence["claimed_workload_id"] = report.WorkloadId;
        }

        if (!string.IsNullOrEmpty(report.TaskId))
        {
            evidence["claimed_task_id"] = report.TaskId;
        }
    }

}

/// <summary>Told of each recorded use of a live grant that the reporter serves (the anomaly rules); returns the actions it took.</summary>
public interface IToolUseObserver
{
    ValueTask<IReadOnlyList<string>> ObserveAsync(ToolUseReport report, Grants.GrantRecord grant, CancellationToken cancellationToken);
}
