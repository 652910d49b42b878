using System.Diagnostics;
using System.Diagnostics.Metrics;
using CredBroker.Core.Audit;
using CredBroker.Core.Grants;

namespace CredBroker.Core.Telemetry;

/// <summary>
/// The broker's metrics on the <c>CredBroker</c> meter, exported by the server on <c>GET /metrics</c>.
/// Tag values come from small fixed sets (outcome, refusal kind, revocation scope, policy rule names),
/// never from ids, so cardinality stays bounded.
/// </summary>
public sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "CredBroker";

    private readonly Meter meter;
    private readonly Counter<long> grants;
    private readonly Counter<long> revocations;
    private readonly Counter<long> anomalies;
    private readonly Counter<long> auditFailures;
    private readonly Histogram<double> decisionSeconds;
    private readonly LiveGrants? live;

    public BrokerMetrics(IMeterFactory? factory = null, LiveGrants? live = null)
    {
        this.live = live;
        meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        grants = meter.CreateCounter<long>("credbroker.grants", "{request}", "Grant requests decided, by outcome (issued, refused, pending) and reason");
        revocations = meter.CreateCounter<long>("credbroker.revocations", "{revocation}", "Revocations written, by kind (grant, task, workload, tool, all)");
        anomalies = meter.CreateCounter<long>("credbroker.anomalies", "{firing}", "Anomaly rule firings, by rule and action");
        auditFailures = meter.CreateCounter<long>("credbroker.audit.failures", "{event}", "Audit events no sink could take");
        decisionSeconds = meter.CreateHistogram<double>("credbroker.decision.duration", "s", "Time to decide and record one grant request");
        if (live is not null)
        {
            meter.CreateObservableGauge("credbroker.grants.live", live.Count, "{grant}", "Grants issued by this replica that have not expired or been revoked here");
        }
    }

    public void GrantDecided(string outcome, string reason, TimeSpan elapsed)
    {
        var tags = new TagList { { "outcome", outcome }, { "reason", reason } };
        grants.Add(1, tags);
        decisionSeconds.Record(elapsed.TotalSeconds, new TagList { { "outcome", outcome } });
    }

    public void Revoked(string kind) => revocations.Add(1, new TagList { { "kind", kind } });

    public void AnomalyFired(string rule, string action) => anomalies.Add(1, new TagList { { "rule", rule }, { "action", action } });

    public void AuditFailed(string kind) => auditFailures.Add(1, new TagList { { "kind", kind } });

    /// <summary>Counts what an audited decision did to access: revocations by kind, and grants this replica no longer holds live.</summary>
    public void Observe(AuditEntry entry, bool recorded)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!recorded)
        {
            AuditFailed(entry.Kind);
        }

        var revoked = entry.Kind switch
        {
            AuditKinds.GrantRevoked or AuditKinds.GrantReleased => "grant",
            AuditKinds.TaskRevoked => "task",
            AuditKinds.WorkloadRevoked => "workload",
            AuditKinds.ToolRevoked => "tool",
            AuditKinds.KillSwitchEngaged => "all",
            _ => null,
        };
        if (revoked is null || entry.Decision == "already_revoked")
        {
            return;
        }

        Revoked(revoked);
        if (revoked == "grant")
        {
            live?.Revoked(entry.GrantId);
        }
        else if (revoked == "task")
        {
            live?.TaskRevoked(entry.TaskId);
        }
    }

    public void Issued(GrantRecord grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        live?.Issued(grant.GrantId, grant.TaskId, grant.ExpiresAt);
    }

    public void Dispose() => meter.Dispose();
}
