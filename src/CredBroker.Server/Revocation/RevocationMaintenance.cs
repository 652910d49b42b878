using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;

namespace CredBroker.Server.Revocation;

/// <summary>
/// Watches the store's generation marker every second, so a wiped or replaced dataset is answered
/// within a second by a rule revoking every earlier token (invariant 3), and trims the revocation
/// log once a minute without dropping a rule in force.
/// </summary>
public sealed partial class RevocationMaintenance(IRevocationLog log, RuleLifetime lifetime, TimeProvider time, ILogger<RevocationMaintenance> logger) : BackgroundService
{
    private static readonly TimeSpan GenerationInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan TrimInterval = TimeSpan.FromMinutes(1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the first request when the store is up; otherwise the loop retries every second.
        await CheckGenerationAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextTrim = time.GetUtcNow() + TrimInterval;
        using var timer = new PeriodicTimer(GenerationInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await CheckGenerationAsync(stoppingToken);
            if (time.GetUtcNow() >= nextTrim)
            {
                nextTrim = time.GetUtcNow() + TrimInterval;
                await TrimAsync(stoppingToken);
            }
        }
    }

    private async Task CheckGenerationAsync(CancellationToken cancellationToken)
    {
        try
        {
            await log.EnsureGenerationAsync(lifetime.AfterLift, cancellationToken);
        }
        catch (BrokerStoreUnavailableException e)
        {
            ServerLog.RevocationMaintenanceSkipped(logger, e, "generation check");
        }
    }

    private async Task TrimAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Entries older than the longest life of a token they could cover (plus a margin) carry only expired rules.
            await log.MaintainAsync(time.GetUtcNow() - lifetime.AfterLift - TimeSpan.FromMinutes(1), cancellationToken);
        }
        catch (BrokerStoreUnavailableException e)
        {
            ServerLog.RevocationMaintenanceSkipped(logger, e, "log trim");
        }
    }
}
