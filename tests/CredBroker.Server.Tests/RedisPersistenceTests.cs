using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CredBroker.Server.Tests;

/// <summary>Invariant 3: the broker will not run on a Redis that could lose an acknowledged revocation, unless told to.</summary>
public sealed class RedisPersistenceTests
{
    private RedisServer redis = null!;

    [SetUp]
    public async Task Start()
    {
        redis = await RedisServer.StartNewAsync();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint + ",allowAdmin=true");
        var server = admin.GetServers().Single();
        await server.ConfigSetAsync("appendfsync", "everysec");
        await server.ConfigSetAsync("maxmemory-policy", "allkeys-lru");
    }

    [TearDown]
    public async Task Stop() => await redis.DisposeAsync();

    [Test]
    public void The_broker_refuses_to_start_on_a_Redis_that_can_lose_revocations()
    {
        var error = Assert.ThrowsAsync<CredBroker.Core.BrokerConfigurationException>(async () => await BrokerFixture.StartAsync(redis.Endpoint));
        Assert.That(error!.Message, Does.Contain("appendfsync is 'everysec', needs 'always'"));
        Assert.That(error.Message, Does.Contain("maxmemory-policy is 'allkeys-lru', needs 'noeviction'"));
        Assert.That(error.Message, Does.Contain("CredBroker:RedisAcceptDataLossRisk"));
    }

    [Test]
    public async Task Accepting_the_risk_starts_the_broker_and_says_so_loudly()
    {
        await using var broker = await BrokerFixture.StartAsync(redis.Endpoint, settings: new Dictionary<string, string?> { ["CredBroker:RedisAcceptDataLossRisk"] = "true" });
        broker.Logs.ExpectErrors(e => e.Contains("RUNNING WITH DATA LOSS RISK ACCEPTED", StringComparison.Ordinal));

        var grant = await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support));
        Assert.That(grant.Grant.AccessToken, Is.Not.Empty);
        Assert.That(broker.Logs.Entries.Where(e => e.Level == LogLevel.Critical).Select(e => e.Message), Has.Some.Contains("DATA LOSS RISK ACCEPTED"));
    }
}
