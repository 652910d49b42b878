using CredBroker.Core.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CredBroker.Server.Http;

/// <summary>A broker that cannot reach its store issues nothing, so it reports itself unhealthy and load balancers route around it.</summary>
public sealed class StoreHealthCheck(IBrokerStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.GetTimeAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (BrokerStoreUnavailableException e)
        {
            return HealthCheckResult.Unhealthy("grant store unavailable", e);
        }
    }
}
