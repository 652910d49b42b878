using CredBroker.Core.Audit;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Audit;

/// <summary>
/// Writes signed checkpoints of every audit sink's chain head at <see cref="AuditOptions.CheckpointInterval"/>
/// and once more at shutdown, so a cleanly stopped broker's log ends signed.
/// </summary>
public sealed class AuditCheckpointService(AuditCheckpointWriter writer, IOptions<AuditOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckpointInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await writer.WriteAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes the last checkpoint.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await writer.WriteAsync(cancellationToken);
    }
}
