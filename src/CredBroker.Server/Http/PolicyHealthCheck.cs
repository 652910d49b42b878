using CredBroker.Core.Policy;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CredBroker.Server.Http;

/// <summary>
/// Not ready without a policy that names a tool: such a broker can only refuse. A policy file that fails to
/// reload keeps the last good policy (and stays ready); one that never loaded stops the start.
/// </summary>
public sealed class PolicyHealthCheck(IPolicySource policy) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(policy.Current is { Tools.Count: > 0 }
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("no policy loaded, or the policy names no tool"));
}
