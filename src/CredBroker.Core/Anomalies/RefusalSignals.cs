using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Anomalies;

/// <summary>
/// Turns an out-of-scope grant refusal into anomaly observations that count against the caller only.
/// A request naming someone else's task must never move that task's counters: three refused requests
/// naming a victim's task would otherwise make a <c>per: task</c> rule revoke the victim's task. Such a
/// request counts once more as <see cref="AnomalySignal.ForeignTask"/>, a signal about the caller.
/// </summary>
public sealed partial class RefusalSignals(AnomalyResponder anomalies, IBrokerStore store, ILogger<RefusalSignals> logger)
{
    public async Task ObserveAsync(GrantRequest request, Refusal refusal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(refusal);
        var owner = await TaskOwnerAsync(request.TaskId, cancellationToken).ConfigureAwait(false);
        var owns = string.Equals(owner, request.WorkloadId, StringComparison.Ordinal);
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal) { ["refusal"] = refusal.AuditDetail ?? refusal.Message };
        if (!owns)
        {
            // Kept as evidence only: an empty task id keeps per-task rules and revokeTask actions off it.
            evidence["requested_task_id"] = request.TaskId;
        }

        await anomalies.ObserveAsync(new AnomalyObservation(AnomalySignal.ScopeProbing, request.WorkloadId, owns ? request.TaskId : string.Empty, request.Tools, string.Empty, evidence), cancellationToken).ConfigureAwait(false);
        if (owner is not null && !owns)
        {
            evidence["task_owner"] = owner;
            await anomalies.ObserveAsync(new AnomalyObservation(AnomalySignal.ForeignTask, request.WorkloadId, string.Empty, [], string.Empty, evidence), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The workload the task belongs to; null when no grant or open ever touched it, or the store cannot tell.</summary>
    private async Task<string?> TaskOwnerAsync(string taskId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(taskId))
        {
            return null;
        }

        try
        {
            return (await store.GetTaskAsync(taskId, cancellationToken).ConfigureAwait(false)).Record?.WorkloadId;
        }
        catch (BrokerStoreUnavailableException e)
        {
            // Ownership unproven reads as "not the caller's": the task is left alone, the caller still counted.
            CoreLog.RefusalSignalsOwnerUnknown(logger, e, taskId);
            return null;
        }
    }
}
