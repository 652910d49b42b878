using CredBroker.Core.Revocation;

namespace CredBroker.Server.Revocation;

/// <summary>
/// Pays what the broker owes the store once it can: a kill switch held in memory because the store could
/// not take it, and the revocations acknowledged while the store could not promise durability.
/// </summary>
public sealed class DurabilityRecovery(RevocationBroker revocations, UnconfirmedRevocations unconfirmed, TimeProvider time) : BackgroundService
{
    /// <summary>Often enough that a kill switch reaches the other replicas soon after the store accepts writes.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await revocations.StorePendingKillSwitchAsync(stoppingToken);
            if (unconfirmed.Count > 0)
            {
                await unconfirmed.RewriteAsync(stoppingToken);
            }
        }
    }
}
