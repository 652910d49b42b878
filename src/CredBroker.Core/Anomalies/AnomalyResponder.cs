using System.Globalization;
using CredBroker.Core.Audit;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;
using CredBroker.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Anomalies;

/// <summary>
/// Counts events against the policy's anomaly rules and, when one fires, acts within the same request
/// (revoke the task, quarantine the workload, revoke the tools, or deny) and audits the firing with
/// its evidence and the action's outcome.
/// </summary>
public sealed partial class AnomalyResponder(
    IPolicySource policy,
    IAnomalyCounter counter,
    TaskBroker tasks,
    RevocationBroker revocations,
    AuditLog audit,
    BrokerMetrics metrics,
    IBrokerStore store,
    ILogger<AnomalyResponder> logger) : IToolUseObserver
{
    /// <summary>Every rule of <paramref name="observation"/>'s signal counts it; those reaching their threshold fire.</summary>
    public async Task<IReadOnlyList<AnomalyFiring>> ObserveAsync(AnomalyObservation observation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var firings = new List<AnomalyFiring>();
        foreach (var rule in policy.Current.Anomalies.Where(r => r.Matches(observation.Signal, observation.Kind)))
        {
            var subject = rule.Per == AnomalyScope.Task ? observation.TaskId : observation.WorkloadId;
            if (string.IsNullOrEmpty(subject))
            {
                continue;
            }

            long count;
            try
            {
                count = await counter.AddAsync($"{rule.Name}:{rule.Per}:{subject}", rule.Window, cancellationToken).ConfigureAwait(false);
            }
            catch (BrokerStoreUnavailableException e)
            {
                // The decision itself fails closed on the same store; a lost count only delays a firing.
                CoreLog.AnomalyResponderCounterUnavailable(logger, e, rule.Name);
                continue;
            }

            if (count >= rule.Threshold)
            {
                firings.Add(await FireAsync(rule, observation, subject, count, cancellationToken).ConfigureAwait(false));
            }
        }

        return firings;
    }

    /// <summary>A tool server's report of a revoked or misused token, counted on the grant's own workload and task.</summary>
    public async ValueTask<IReadOnlyList<string>> ObserveAsync(ToolUseReport report, GrantRecord grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(grant);
        var workload = grant.WorkloadId;
        var presenterDiffers = !string.IsNullOrEmpty(report.PresenterWorkloadId)
            && !string.Equals(report.PresenterWorkloadId, workload, StringComparison.Ordinal)
            // A delegated token is presented by its holder, not its root (sub).
            && !(grant.Holder is { } holder && string.Equals(report.PresenterWorkloadId, holder, StringComparison.Ordinal));
        AnomalySignal? signal = report.Outcome switch
        {
            ToolUseReport.RejectedRevoked or ToolUseReport.RejectedExpired => AnomalySignal.RevokedTokenUse,
            ToolUseReport.RejectedWorkloadMismatch => AnomalySignal.WorkloadMismatch,
            _ when presenterDiffers => AnomalySignal.WorkloadMismatch,
            _ => null,
        };
        if (signal is not { } s)
        {
            return [];
        }

        var evidence = new Dictionary<string, string> { ["outcome"] = report.Outcome, ["action"] = report.Action };
        if (!string.IsNullOrEmpty(report.PresenterWorkloadId))
        {
            evidence["presenter_workload_id"] = report.PresenterWorkloadId;
        }

        // The tool is one the grant carries, or none: a reporter must not pick which tool gets revoked.
        IReadOnlyList<string> tools = grant.Tools.Contains(report.Tool, StringComparer.Ordinal) ? [report.Tool] : [];
        var observation = new AnomalyObservation(s, workload, grant.TaskId, tools, report.GrantId, evidence);
        var firings = await ObserveAsync(observation, cancellationToken).ConfigureAwait(false);
        return firings.Select(f => f.Describe()).ToList();
    }

    /// <summary>An external detector's report: counted by the <c>reported</c> rules that match its kind, and audited either way.</summary>
    public async Task<BrokerResult<AnomalyReportResult>> ReportAsync(AnomalyReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Validate() is { } invalid)
        {
            return invalid;
        }

        GrantRecord? grant = null;
        if (!string.IsNullOrEmpty(report.GrantId))
        {
            try
            {
                grant = (await store.FindGrantAsync(report.GrantId, cancellationToken).ConfigureAwait(false))?.Grant;
            }
            catch (BrokerStoreUnavailableException)
            {
                return Refusal.StoreUnavailable("grant store unavailable; the report was not acted on");
            }
        }

        var evidence = new Dictionary<string, string> { ["reported_kind"] = report.Kind };
        if (!string.IsNullOrEmpty(report.Detail))
        {
            evidence["detail"] = report.Detail;
        }

        // A report naming a grant is about that grant's workload and task, whatever else it names; one
        // naming a grant that is unknown is recorded and counts against no one.
        var noGrant = string.IsNullOrEmpty(report.GrantId);
        var workload = grant?.WorkloadId ?? (noGrant ? report.WorkloadId : string.Empty);
        var taskId = grant?.TaskId ?? (noGrant ? report.TaskId : string.Empty);
        foreach (var (key, claimed, actual) in new[] { ("reported_workload_id", report.WorkloadId, workload), ("reported_task_id", report.TaskId, taskId) })
        {
            if (!string.IsNullOrEmpty(claimed) && !string.Equals(claimed, actual, StringComparison.Ordinal))
            {
                evidence[key] = claimed;
            }
        }

        var firings = noGrant || grant is not null
            ? await ObserveAsync(new AnomalyObservation(AnomalySignal.Reported, workload, taskId, grant?.Tools ?? [], report.GrantId, evidence, report.Kind), cancellationToken).ConfigureAwait(false)
            : [];
        if (firings.Count > 0)
        {
            return BrokerResult<AnomalyReportResult>.Ok(new AnomalyReportResult(string.Join("; ", firings.Select(f => f.Describe())), firings.Sum(f => f.RevokedGrants)));
        }

        var none = noGrant || grant is not null ? "recorded; no anomaly rule fired" : "recorded; the grant is unknown or expired, so nothing was counted";
        var entry = new AuditEntry(AuditKinds.Anomaly, "recorded")
        {
            WorkloadId = workload,
            TaskId = taskId,
            GrantId = report.GrantId,
            Reason = $"reported anomaly '{report.Kind}'; no rule fired",
            Evidence = evidence,
        };
        return await audit.TryAppendAsync(entry, cancellationToken).ConfigureAwait(false) is null
            ? Refusal.StoreUnavailable("audit log unavailable; the report was not recorded")
            : BrokerResult<AnomalyReportResult>.Ok(new AnomalyReportResult(none, 0));
    }

    public static string ActionName(AnomalyAction action) => action switch
    {
        AnomalyAction.Deny => "deny",
        AnomalyAction.RevokeTask => "revoke_task",
        AnomalyAction.QuarantineWorkload => "quarantine_workload",
        _ => "revoke_tool",
    };

    private async Task<AnomalyFiring> FireAsync(AnomalyRule rule, AnomalyObservation observation, string subject, long count, CancellationToken cancellationToken)
    {
        var per = rule.Per == AnomalyScope.Task ? "task" : "workload";
        var reason = $"anomaly rule '{rule.Name}' fired: {count} {Describe(rule.Signal)} for {per} {subject} within {DurationText.Format(rule.Window)} (threshold {rule.Threshold})";
        var by = "anomaly:" + rule.Name;

        // The action is the broker's, not the caller's: its own audit events name the rule as the actor.
        (string Outcome, long Revoked) done;
        using (AuditContext.Begin(new AuditActor(by, AuditContext.Current?.RequestId ?? string.Empty)))
        {
            done = await ActAsync(rule, observation, reason, by, cancellationToken).ConfigureAwait(false);
        }

        CoreLog.AnomalyResponderFired(logger, rule.Name, per, subject, count, done.Outcome);
        metrics.AnomalyFired(rule.Name, ActionName(rule.Action));
        var evidence = new Dictionary<string, string>(observation.Evidence, StringComparer.Ordinal)
        {
            ["rule"] = rule.Name,
            ["signal"] = rule.Signal.ToString(),
            ["per"] = per,
            ["subject"] = subject,
            ["count"] = count.ToString(CultureInfo.InvariantCulture),
            ["threshold"] = rule.Threshold.ToString(CultureInfo.InvariantCulture),
            ["window"] = DurationText.Format(rule.Window),
            ["action"] = ActionName(rule.Action),
            ["action_outcome"] = done.Outcome,
        };
        // The observation may carry a refused request's oversized fields: recorded cut to the limits.
        await audit.TryAppendAsync(
            AuditBounds.Apply(new AuditEntry(AuditKinds.Anomaly, ActionName(rule.Action))
            {
                WorkloadId = observation.WorkloadId,
                TaskId = observation.TaskId,
                Tools = observation.Tools,
                GrantId = observation.GrantId,
                Reason = reason,
                Evidence = evidence,
            }),
            cancellationToken).ConfigureAwait(false);
        return new AnomalyFiring(rule, subject, count, reason, done.Outcome, done.Revoked);
    }

    private async Task<(string Outcome, long Revoked)> ActAsync(AnomalyRule rule, AnomalyObservation observation, string reason, string by, CancellationToken cancellationToken)
    {
        switch (rule.Action)
        {
            case AnomalyAction.RevokeTask when !string.IsNullOrEmpty(observation.TaskId):
                var task = await tasks.RevokeTaskAsync(observation.TaskId, Clip(reason), by, cancellationToken).ConfigureAwait(false);
                return task.Succeeded
                    ? ($"task {observation.TaskId} revoked ({task.Value.RevokedGrants} live grants)", task.Value.RevokedGrants)
                    : ($"task {observation.TaskId} not revoked: {task.Refusal.Message}", 0);
            case AnomalyAction.QuarantineWorkload when !string.IsNullOrEmpty(observation.WorkloadId):
                var quarantine = rule.Quarantine ?? TimeSpan.FromMinutes(15);
                var workload = await revocations.RevokeWorkloadAsync(observation.WorkloadId, Clip(reason), quarantine, by, cancellationToken).ConfigureAwait(false);
                return workload.Succeeded
                    ? ($"workload {observation.WorkloadId} quarantined for {DurationText.Format(quarantine)}", 0)
                    : ($"workload {observation.WorkloadId} not quarantined: {workload.Refusal.Message}", 0);
            case AnomalyAction.RevokeTool when observation.Tools.Count > 0:
                var outcomes = new List<string>();
                foreach (var tool in observation.Tools)
                {
                    // The rule stands (for the rule's quarantine, else until released), so new grants of the tool are refused too.
                    var revoked = await revocations.RevokeToolAsync(tool, Clip(reason), rule.Quarantine, by, cancellationToken).ConfigureAwait(false);
                    var until = rule.Quarantine is { } q ? "for " + DurationText.Format(q) : "until released";
                    outcomes.Add(revoked.Succeeded ? $"tool {tool} revoked {until}" : $"tool {tool} not revoked: {revoked.Refusal.Message}");
                }

                return (string.Join(", ", outcomes), 0);
            case AnomalyAction.Deny:
                return ("request denied", 0);
            default:
                return ($"nothing to {ActionName(rule.Action).Replace('_', ' ')}: the event names none", 0);
        }
    }

    private static string Clip(string reason) => reason.Length <= Validation.InputLimits.ReasonMaxLength ? reason : reason[..Validation.InputLimits.ReasonMaxLength];

    private static string Describe(AnomalySignal signal) => signal switch
    {
        AnomalySignal.ScopeProbing => "out-of-scope requests",
        AnomalySignal.GrantRate => "grants",
        AnomalySignal.RevokedTokenUse => "uses of revoked or expired tokens",
        AnomalySignal.WorkloadMismatch => "uses of a token by another workload",
        AnomalySignal.ForeignTask => "requests naming another workload's task",
        _ => "reported anomalies",
    };
}
