using CredBroker.Core.Revocation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Checks Redis while the host starts, before the first request: an unsafe Redis stops the start. If
/// Redis is down, the broker starts and fails closed. Then it keeps watching (every
/// <see cref="RedisStoreOptions.SafetyCheckInterval"/> and at each reconnection), so a drift stops
/// grants and a fix resumes them without a restart, and data found lost starts a new generation.
/// </summary>
internal sealed partial class RedisStoreWarmUp(RedisPersistenceGuard guard, RedisRevocationLog log, RuleLifetime lifetime, ILogger<RedisStoreWarmUp> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await guard.VerifyAsync().ConfigureAwait(false))
        {
            RedisLog.RedisStoreWarmUpDeferred(logger);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await guard.WaitForNextCheckAsync(stoppingToken).ConfigureAwait(false);
                if (await guard.CheckAsync().ConfigureAwait(false) is { } loss)
                {
                    await log.StartGenerationAsync("Redis lost data: " + loss, lifetime.AfterLift, stoppingToken).ConfigureAwait(false);
                    RedisLog.RedisStoreWarmUpDataLost(logger, loss);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (RedisFailClosed.IsUnavailable(e) || e is Core.Storage.BrokerStoreUnavailableException)
            {
                // Requests fail closed by themselves meanwhile; the next check tries again. Logged by the store, not here.
                RedisLog.RedisStoreWarmUpCheckSkipped(logger, e);
            }
        }
    }
}
