using CredBroker.Core.SigningKeys;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CredBroker.Server.Http;

/// <summary>A broker with no active signing key cannot mint a token, so it is not ready.</summary>
public sealed class SigningKeyHealthCheck(SigningKeyRing ring) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return Task.FromResult(ring.Snapshot().Any(k => k.State == SigningKeyState.Active)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("no active signing key"));
        }
        catch (InvalidOperationException e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"signing keys unreadable: {e.Message}"));
        }
    }
}
