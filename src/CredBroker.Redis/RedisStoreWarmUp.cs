using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Connects to Redis while the host starts, before the first request arrives. A lazy first
/// connect would happen on a request thread under load and could time out, failing those
/// requests closed for no reason. If Redis is down, the broker still starts and heals later.
/// </summary>
internal sealed class RedisStoreWarmUp(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = (IConnectionMultiplexer)services.GetService(typeof(IConnectionMultiplexer))!;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
