using CredBroker.Core.Anomalies;

namespace CredBroker.Core.Grants;

/// <summary>
/// The anomaly rules a grant itself counts toward (<see cref="AnomalySignal.GrantRate"/>), checked
/// before anything is stored or signed: a rule this grant would fire refuses it, and whatever else
/// the rule's action does (revoke the task, quarantine the workload, revoke the tools) is done first.
/// The grant counts as it is decided, so one the store then refuses (a cap, its task) has counted too:
/// the count errs toward firing early, never late, and stays one atomic add shared by every replica,
/// with nothing to take back.
/// </summary>
public sealed class GrantAnomalyCheck(AnomalyResponder anomalies)
{
    /// <summary>The refusal when a rule fires on <paramref name="draft"/>; null when none does.</summary>
    public async Task<Refusal?> CheckAsync(GrantDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var observation = new AnomalyObservation(AnomalySignal.GrantRate, draft.WorkloadId, draft.TaskId, draft.Tools, draft.GrantId, new Dictionary<string, string>());
        var firings = await anomalies.ObserveAsync(observation, cancellationToken).ConfigureAwait(false);
        return firings.Count == 0 ? null : Refusal.Denied($"{firings[0].Reason}; {firings[0].Outcome}");
    }
}
