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
        catch (BrokerStoreUnavailableException)
        {
            // No exception in the result: the health service logs it as an error with its stack trace at every
            // probe, and the store's outage is already one warning and a summary (OutageLog).
            return HealthCheckResult.Unhealthy("grant store unavailable");
        }
    }
}
