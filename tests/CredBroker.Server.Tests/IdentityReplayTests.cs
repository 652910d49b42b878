using CredBroker.Core.Identity;
using CredBroker.Core.Storage;
using CredBroker.Protocol.V1;
using CredBroker.Redis;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Identity;
using CredBroker.Testing.Redis;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using StackExchange.Redis;

namespace CredBroker.Server.Tests;

/// <summary>
/// With CredBroker:Identity:RequireUniqueJti each identity token is good for one call, remembered in
/// Redis for the token's lifetime so that every replica refuses a replay.
/// </summary>
public sealed class IdentityReplayTests
{
    private TestIdentityIssuer issuer = null!;
    private string directory = null!;
    private string endpoint = null!;
    private BrokerFixture first = null!;
    private BrokerFixture second = null!;
    private ConnectionMultiplexer redis = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        issuer = new TestIdentityIssuer("https://spire.replay.test");
        directory = Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        await issuer.WriteJwksAsync(Path.Combine(directory, "idp.jwks"));
        endpoint = await SharedRedis.GetEndpointAsync();
        first = await BrokerFixture.StartAsync(endpoint, directory, settings: Settings());
        second = await BrokerFixture.StartAsync(endpoint, directory, settings: Settings());
        redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await second.StopAsync();
        await first.DisposeAsync();
        await redis.DisposeAsync();
        issuer.Dispose();
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["CredBroker:Identity:RequireUniqueJti"] = "true",
        ["CredBroker:Identity:Issuers:0:Issuer"] = issuer.Name,
        ["CredBroker:Identity:Issuers:0:JwksFile"] = Path.Combine(directory, "idp.jwks"),
        ["CredBroker:Identity:Issuers:0:TrustDomains:0"] = "test.local",
    };

    private static Task<RequestGrantResponse> RequestAsync(BrokerFixture broker, string token) =>
        broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, BrokerFixture.Bearer(token)).ResponseAsync;

    [Test]
    public async Task A_token_used_once_is_refused_the_second_time_by_every_replica()
    {
        var token = issuer.Token(TestPolicy.Support);
        Assert.That((await RequestAsync(first, token)).Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));

        foreach (var replica in new[] { first, second })
        {
            var error = Assert.ThrowsAsync<RpcException>(async () => await RequestAsync(replica, token));
            Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
            Assert.That(error.Status.Detail, Does.Contain("already used"));
        }
    }

    [Test]
    public async Task A_used_token_is_remembered_only_for_its_lifetime_plus_skew()
    {
        string? jti = null;
        var token = issuer.Token(TestPolicy.Support, lifetime: TimeSpan.FromMinutes(2), claims: c => jti = (string)c["jti"]!);
        await RequestAsync(first, token);

        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(RedisIdentityReplayGuard.Key(string.Empty, issuer.Name, jti!));
        Assert.That(ttl, Is.GreaterThan(TimeSpan.FromMinutes(2)).And.LessThanOrEqualTo(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(31)));
    }

    [Test]
    public void A_token_without_jti_is_refused_when_tokens_are_single_use()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await RequestAsync(first, issuer.Token(TestPolicy.Support, claims: c => c.Remove("jti"))));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("no jti"));
    }

    [Test]
    public async Task Without_the_setting_a_token_is_reused_until_it_expires()
    {
        var settings = Settings();
        settings["CredBroker:Identity:RequireUniqueJti"] = null;
        await using var reusing = await BrokerFixture.StartAsync(endpoint, settings: settings);
        var token = issuer.Token(TestPolicy.Support);
        await RequestAsync(reusing, token);
        Assert.That((await RequestAsync(reusing, token)).Grant, Is.Not.Null);
    }

    [Test]
    public async Task A_single_process_broker_refuses_replays_from_memory()
    {
        await using var local = await BrokerFixture.StartAsync(settings: Settings());
        var token = issuer.Token(TestPolicy.Support);
        await RequestAsync(local, token);
        var error = Assert.ThrowsAsync<RpcException>(async () => await RequestAsync(local, token));
        Assert.That(error!.Status.Detail, Does.Contain("already used"));
    }

    [Test]
    public async Task When_the_replay_store_is_down_the_call_is_UNAVAILABLE_not_admitted()
    {
        var guard = new Mock<IIdentityReplayGuard>();
        guard.Setup(g => g.TryFirstUseAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BrokerStoreUnavailableException("down"));
        var settings = Settings();
        await using var broker = await BrokerFixture.StartAsync(settings: settings, services: s => s.AddSingleton(guard.Object));

        var error = Assert.ThrowsAsync<RpcException>(async () => await RequestAsync(broker, issuer.Token(TestPolicy.Support)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(error.Status.Detail, Does.Contain("identity replay store unavailable"));
    }
}
