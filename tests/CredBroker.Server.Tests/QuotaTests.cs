using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>Rate limits and live-grant caps answer RESOURCE_EXHAUSTED with a retry delay; on Redis, replicas share the counts.</summary>
[TestFixture("memory")]
[TestFixture("redis")]
public sealed class QuotaTests(string store)
{
    private const string Capped = "spiffe://test.local/agents/capped";
    private const string Throttled = "spiffe://test.local/agents/throttled";

    private const string Policy = """
        version: 1
        tools:
          - { name: tickets.read, audience: https://tickets.test }
        workloads:
          - { name: capped-agent, id: "spiffe://test.local/agents/capped", owner: team-a, tools: [tickets.read], maxLiveGrants: 2 }
          - { name: throttled-agent, id: "spiffe://test.local/agents/throttled", owner: team-b, tools: [tickets.read], rateLimit: 3/h }
        roles:
          operator: [spiffe://test.local/operator]
        """;

    private BrokerFixture broker = null!;
    private BrokerFixture? replica;

    [SetUp]
    public async Task Start()
    {
        // Fresh counters per test: a unique key prefix on Redis, a fresh broker in memory.
        var redis = store == "redis" ? await SharedRedis.GetEndpointAsync() : null;
        var prefix = store == "redis" ? $"quota-{Guid.NewGuid():N}:" : null;
        broker = await BrokerFixture.StartAsync(redis, policy: Policy, redisKeyPrefix: prefix);
        replica = redis is null ? null : await BrokerFixture.StartAsync(redis, directory: broker.Directory, policy: Policy, redisKeyPrefix: prefix);
    }

    [TearDown]
    public async Task Stop()
    {
        if (replica is not null)
        {
            await replica.DisposeAsync();
        }

        await broker.DisposeAsync();
    }

    /// <summary>Alternates replicas on Redis, so the counts must be shared to hold.</summary>
    private BrokerFixture Next(int i) => replica is not null && i % 2 == 1 ? replica : broker;

    private static Task<RequestGrantResponse> GrantAsync(BrokerFixture on, string workload) =>
        on.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, on.As(workload)).ResponseAsync;

    private static TimeSpan? RetryDelay(RpcException e) => e.GetRpcStatus()?.GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay.ToTimeSpan();

    [Test]
    public async Task A_workload_at_its_live_grant_cap_gets_RESOURCE_EXHAUSTED_until_it_releases_one()
    {
        var first = await GrantAsync(Next(0), Capped);
        await GrantAsync(Next(1), Capped);

        var full = Assert.ThrowsAsync<RpcException>(() => GrantAsync(Next(2), Capped))!;
        await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = first.Grant.GrantId }, broker.As(Capped));
        var afterRelease = await GrantAsync(Next(3), Capped);

        Assert.That(full.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(full.Status.Detail, Does.StartWith($"workload {Capped} holds 2 live grants, the most policy rule 'capped-agent' allows (maxLiveGrants)"));
        Assert.That(RetryDelay(full), Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromMinutes(5)), "until the first live grant expires (default TTL 5m)");
        Assert.That(afterRelease.Grant, Is.Not.Null);
    }

    [Test]
    public async Task A_workload_over_its_rate_gets_RESOURCE_EXHAUSTED_with_a_retry_delay()
    {
        for (var i = 0; i < 3; i++)
        {
            await GrantAsync(Next(i), Throttled);
        }

        var limited = Assert.ThrowsAsync<RpcException>(() => GrantAsync(Next(3), Throttled))!;
        var other = await GrantAsync(Next(4), Capped);

        Assert.That(limited.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(limited.Status.Detail, Does.StartWith($"workload {Throttled} reached its rate limit of 3 grants per 1h (policy rule 'throttled-agent' rateLimit); retry in "));
        Assert.That(RetryDelay(limited), Is.GreaterThan(TimeSpan.FromMinutes(59)).And.LessThanOrEqualTo(TimeSpan.FromHours(1)));
        Assert.That(other.Grant, Is.Not.Null, "another workload's counts are its own");
    }
}
