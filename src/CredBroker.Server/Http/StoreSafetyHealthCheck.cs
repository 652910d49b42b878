using CredBroker.Core.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CredBroker.Server.Http;

/// <summary>
/// Not ready while the store cannot take new grants: a safety setting drifted, safety is not verified
/// since a reconnection, or memory is above the watermark. Load balancers then send agents to a replica
/// that can serve them. Reads the last check (<see cref="IStoreSafety"/>), never the store itself.
/// </summary>
public sealed class StoreSafetyHealthCheck(IStoreSafety safety) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var condition = safety.Current;
        return Task.FromResult(condition.AcceptsGrants
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"{condition.Kind}: {condition.Detail}"));
    }
}
