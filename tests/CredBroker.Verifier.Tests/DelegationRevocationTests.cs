using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Google.Protobuf.WellKnownTypes;
using static CredBroker.Testing.Broker.DelegationPolicy;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// A connected verifier and a broker agree on delegated tokens: revoking a grant or quarantining a
/// workload kills every token below it in the chain, by the rule the verifier already holds.
/// </summary>
[TestFixture("memory")]
[TestFixture("redis")]
[NonParallelizable]
public sealed class DelegationRevocationTests(string store)
{
    private BrokerFixture broker = null!;
    private VerifierHarness verifier = null!;

    [SetUp]
    public async Task Start()
    {
        broker = store == "redis"
            ? await BrokerFixture.StartAsync(await SharedRedis.GetEndpointAsync(), policy: Yaml, redisKeyPrefix: $"delegation-{Guid.NewGuid():N}:")
            : await BrokerFixture.StartAsync(policy: Yaml);
        verifier = await VerifierHarness.StartAsync(broker);
    }

    [TearDown]
    public async Task Stop()
    {
        await verifier.DisposeAsync();
        await broker.DisposeAsync();
    }

    private async Task AssertValidAsync(string token)
    {
        var result = await verifier.Verifier.ValidateAsync(token, "crm.read");
        Assert.That(result.IsValid, Is.True, result.Message);
    }

    [Test]
    public async Task RevokeGrant_of_the_root_reaches_the_verifier_for_every_descendant()
    {
        var root = await broker.RootAsync();
        var b = await broker.ExchangeAsync(root.AccessToken, B);
        var c = await broker.ExchangeAsync(b.Grant.AccessToken, C);
        var unrelated = await broker.ExchangeAsync((await broker.RootAsync()).AccessToken, B);
        await AssertValidAsync(b.Grant.AccessToken);
        await AssertValidAsync(c.Grant.AccessToken);

        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = root.GrantId }, broker.As(TestPolicy.Operator));

        foreach (var token in new[] { b.Grant.AccessToken, c.Grant.AccessToken })
        {
            var refusal = await verifier.RevokedWithinBoundAsync(token, "crm.read");
            Assert.That(refusal.Failure, Is.EqualTo(TokenFailure.Revoked));
            Assert.That((await broker.IntrospectAsync(token)).Active, Is.False, "Introspect agrees");
        }

        await AssertValidAsync(unrelated.Grant.AccessToken);
    }

    [Test]
    public async Task Quarantining_a_middle_actor_reaches_the_verifier_for_the_tokens_it_handed_on()
    {
        var root = await broker.RootAsync();
        var b = await broker.ExchangeAsync(root.AccessToken, B);
        var c = await broker.ExchangeAsync(b.Grant.AccessToken, C);
        await AssertValidAsync(c.Grant.AccessToken);

        await broker.Admin.RevokeWorkloadAsync(
            new RevokeWorkloadRequest { WorkloadId = B, Quarantine = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) }, broker.As(TestPolicy.Operator));

        var refusal = await verifier.RevokedWithinBoundAsync(c.Grant.AccessToken, "crm.read");
        Assert.That(refusal.Message, Does.Contain($"workload {B}"));
        await AssertValidAsync(root.AccessToken);
    }
}
