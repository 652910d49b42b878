using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CredBroker.Redis;

/// <summary>
/// Connects to Redis and checks its persistence while the host starts, before the first request.
/// An unsafe Redis stops the start. If Redis is down, the broker starts, fails closed, and checks
/// again every second until Redis is back and proven safe.
/// </summary>
internal sealed partial class RedisStoreWarmUp(RedisPersistenceGuard guard, ILogger<RedisStoreWarmUp> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await guard.VerifyAsync().ConfigureAwait(false))
        {
            LogDeferred();
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (!guard.Verified && await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await guard.VerifyAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Logged as critical by the guard; the store stays closed rather than risk a lost revocation.
                return;
            }
        }
    }

    [LoggerMessage(EventId = 9112, Level = LogLevel.Warning, Message = "Redis is not reachable at start; the store fails closed until it is back and its persistence is verified")]
    private partial void LogDeferred();
}
