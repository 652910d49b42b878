using CredBroker.Core.Audit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CredBroker.Server.Http;

/// <summary>
/// A broker whose durable audit sink (the JSON-lines file, the Redis stream) cannot take events
/// issues nothing (invariant 6), so it reports itself not ready: each such sink must answer for its
/// head and must not have failed its last append. The in-memory sink is never the record beside a
/// durable one, so it is not probed then.
/// </summary>
public sealed class AuditSinkHealthCheck(AuditLog log, AuditSinkHealth health) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        foreach (var sink in log.RecordSinks)
        {
            if (health.LastFailure(sink) is { } failure)
            {
                problems.Add($"audit sink {sink.Name} failed its last append: {failure}");
                continue;
            }

            try
            {
                await sink.ReadHeadAsync(cancellationToken);
            }
            catch (AuditSinkUnavailableException e)
            {
                problems.Add($"audit sink {sink.Name} unavailable: {e.Message}");
            }
        }

        return problems.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(string.Join("; ", problems));
    }
}
