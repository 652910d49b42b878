using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier;

/// <summary>
/// A tool server's readiness as the verifier sees it: while the revocation view is stale (no event or keep-alive
/// from the broker within <see cref="CredBrokerVerifierOptions.MaxStaleness"/>), tokens fail closed or cost an
/// <c>Introspect</c> each, so the server reports itself unhealthy and its load balancer can send agents elsewhere.
/// Register it with <c>AddHealthChecks().AddCredBrokerVerifier()</c>.
/// </summary>
internal sealed class RevocationViewHealthCheck(RevocationCache revocations, IOptions<CredBrokerVerifierOptions> options, TimeProvider time) : IHealthCheck
{
    /// <summary>The check's default name.</summary>
    public const string Name = "credbroker-revocations";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (revocations.IsFresh)
        {
            return Task.FromResult(HealthCheckResult.Healthy());
        }

        var bound = options.Value.MaxStaleness.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        return Task.FromResult(HealthCheckResult.Unhealthy(revocations.LastProof is { } proof
            ? $"revocation view is stale: last confirmed by the broker {(time.GetUtcNow() - proof).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s ago, bound {bound} s"
            : "revocation view is stale: not yet received from the broker"));
    }
}
