using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Testing.Redis;
using CredBroker.Testing.Storage;
using NUnit.Framework;
using StackExchange.Redis;

namespace CredBroker.Redis.Tests;

/// <summary>The store contract on the shared Redis; expiry uses real time, so those tests wait about a second.</summary>
[TestFixture]
public sealed class RedisBrokerStoreContractTests : BrokerStoreContract
{
    private IConnectionMultiplexer redis = null!;

    [OneTimeSetUp]
    public async Task Connect() => redis = await RedisStores.ConnectAsync(await SharedRedis.GetEndpointAsync());

    [OneTimeTearDown]
    public async Task Disconnect() => await redis.DisposeAsync();

    // Each test gets its own key prefix: listings walk every live task under the prefix, and other
    // test projects leave theirs on the shared Redis.
    private string prefix = string.Empty;

    protected override Task<IBrokerStore> CreateStoreAsync()
    {
        prefix = $"contract-{Guid.NewGuid():N}:";
        return Task.FromResult<IBrokerStore>(RedisStores.Create(redis, keyPrefix: prefix));
    }

    protected override IRevocationLog RevocationsOfStore() => RedisStores.CreateRevocationLog(redis, prefix);

    protected override async Task PassAsync(DateTimeOffset instant)
    {
        while (await Store.GetTimeAsync(default) <= instant)
        {
            await Task.Delay(50);
        }
    }
}
