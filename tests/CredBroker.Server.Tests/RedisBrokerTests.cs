using System.Collections.Concurrent;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>A broker on its own redis-server, which the tests stop, kill and restart.</summary>
public sealed class RedisBrokerTests
{
    private RedisServer redis = null!;
    private BrokerFixture broker = null!;

    [SetUp]
    public async Task Start()
    {
        redis = await RedisServer.StartNewAsync();
        broker = await BrokerFixture.StartAsync(redis.Endpoint);
    }

    [TearDown]
    public async Task Stop()
    {
        await broker.DisposeAsync();
        await redis.DisposeAsync();
    }

    private static RequestGrantRequest Request(string taskId) => new() { TaskId = taskId, Purpose = "read a ticket", Tools = { "tickets.read" } };

    private static async Task<IntrospectResponse> IntrospectAsync(BrokerFixture on, string token) =>
        await on.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, on.As(TestPolicy.Tool));

    [Test]
    public async Task With_Redis_down_RequestGrant_fails_closed_and_recovers_when_Redis_returns()
    {
        // Only the Redis client itself reports the outage as an error.
        broker.Logs.ExpectErrorsFrom("StackExchange.Redis");
        await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), broker.As(TestPolicy.Support));
        await redis.StopAsync();

        var error = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), broker.As(TestPolicy.Support)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(error.Status.Detail, Is.EqualTo("grant store unavailable; no token issued"));
        var revoke = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = "t-down" }, broker.As(TestPolicy.Orchestrator)));
        Assert.That(revoke!.StatusCode, Is.EqualTo(StatusCode.Unavailable), "a revocation the store did not take is never reported done");

        await redis.StartAsync();
        Grant? grant = null;
        for (var attempt = 0; attempt < 100 && grant is null; attempt++)
        {
            try
            {
                grant = (await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), broker.As(TestPolicy.Support))).Grant;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                await Task.Delay(100);
            }
        }

        Assert.That(grant, Is.Not.Null, "the broker reconnects without a restart");
        Assert.That((await IntrospectAsync(broker, grant!.AccessToken)).Active, Is.True);
        Assert.That(broker.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error && !e.Category.StartsWith("StackExchange.Redis", StringComparison.Ordinal)), Is.Empty,
            "only the Redis client itself reports the outage as an error");
    }

    [Test]
    public async Task Tokens_and_revocations_survive_a_broker_restart()
    {
        var liveTask = BrokerFixture.NewTaskId();
        var revokedTask = BrokerFixture.NewTaskId();
        var live = (await broker.Grants.RequestGrantAsync(Request(liveTask), broker.As(TestPolicy.Support))).Grant;
        var revoked = (await broker.Grants.RequestGrantAsync(Request(revokedTask), broker.As(TestPolicy.Support))).Grant;
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = revokedTask }, broker.As(TestPolicy.Orchestrator));
        await broker.StopAsync();

        await using var restarted = await BrokerFixture.StartAsync(redis.Endpoint, broker.Directory);

        Assert.That((await IntrospectAsync(restarted, live.AccessToken)).Active, Is.True, "the signing key persisted in the key directory");
        Assert.That((await IntrospectAsync(restarted, revoked.AccessToken)).Active, Is.False);
        var error = Assert.ThrowsAsync<RpcException>(async () => await restarted.Grants.RequestGrantAsync(Request(revokedTask), restarted.As(TestPolicy.Support)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
    }

    [Test]
    public async Task A_task_revocation_survives_Redis_being_killed_right_after_it_returned()
    {
        // Only the Redis client itself reports the outage as an error.
        broker.Logs.ExpectErrorsFrom("StackExchange.Redis");
        var taskId = BrokerFixture.NewTaskId();
        var grant = (await broker.Grants.RequestGrantAsync(Request(taskId), broker.As(TestPolicy.Support))).Grant;
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));

        await redis.StopAsync();
        await redis.StartAsync();

        IntrospectResponse? answer = null;
        for (var attempt = 0; attempt < 100 && answer is null; attempt++)
        {
            try
            {
                answer = await IntrospectAsync(broker, grant.AccessToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                await Task.Delay(100);
            }
        }

        Assert.That(answer?.Active, Is.False);
        Assert.That(answer?.Reason, Does.Contain("revoked"));
    }

    [Test]
    public async Task Concurrent_RequestGrant_racing_RevokeTask_never_leaves_an_active_grant()
    {
        var taskId = BrokerFixture.NewTaskId();
        var issued = new ConcurrentBag<Grant>();
        var refusals = new ConcurrentBag<StatusCode>();
        var requestsAfterRevoke = new ConcurrentBag<Task>();
        var revokeReturned = false;
        using var start = new SemaphoreSlim(0);

        async Task AgentAsync()
        {
            await start.WaitAsync();
            for (var i = 0; i < 10; i++)
            {
                var startedAfterRevoke = Volatile.Read(ref revokeReturned);
                try
                {
                    issued.Add((await broker.Grants.RequestGrantAsync(Request(taskId), broker.As(TestPolicy.Support))).Grant);
                    Assert.That(startedAfterRevoke, Is.False, "a grant was issued for a request that started after RevokeTask returned");
                }
                catch (RpcException e)
                {
                    refusals.Add(e.StatusCode);
                }
            }
        }

        var agents = Enumerable.Range(0, 20).Select(_ => Task.Run(AgentAsync)).ToList();
        start.Release(20);
        // Revoke mid-stream: once some grants are out and while the rest are still in flight.
        for (var wait = 0; wait < 500 && issued.Count < 20; wait++)
        {
            await Task.Delay(10);
        }

        var revoked = await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        Volatile.Write(ref revokeReturned, true);
        await Task.WhenAll(agents);

        foreach (var warning in broker.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning))
        {
            TestContext.Out.WriteLine($"{warning.Category}: {warning.Message} {warning.Error?.Message}");
        }

        Assert.That(refusals.Distinct(), Is.SubsetOf(new[] { StatusCode.FailedPrecondition }));
        Assert.That(revoked.RevokedGrants, Is.EqualTo(issued.Count), "every grant that was issued was stored before the revocation and counted by it");
        Assert.That(issued.Count + refusals.Count, Is.EqualTo(200));
        foreach (var grant in issued)
        {
            Assert.That((await IntrospectAsync(broker, grant.AccessToken)).Active, Is.False, grant.GrantId);
        }

        TestContext.Out.WriteLine($"{issued.Count} grants issued before the revocation, {refusals.Count} refused after it");
    }

    [Test]
    public async Task A_wiped_dataset_revokes_every_token_issued_before_it()
    {
        var before = (await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), broker.As(TestPolicy.Support))).Grant;
        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Endpoint + ",allowAdmin=true"))
        {
            await admin.GetServers().Single().FlushAllDatabasesAsync();
        }

        // The broker notices within its generation check interval (1 s); poll, never sleep a fixed time.
        IntrospectResponse answer;
        var attempts = 0;
        do
        {
            await Task.Delay(100);
            answer = await IntrospectAsync(broker, before.AccessToken);
        }
        while (attempts++ < 50 && !answer.Reason.Contains("new store generation", StringComparison.Ordinal));

        Assert.That(answer.Active, Is.False);
        Assert.That(answer.Reason, Does.Contain("new store generation"));
        var after = (await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), broker.As(TestPolicy.Support))).Grant;
        Assert.That((await IntrospectAsync(broker, after.AccessToken)).Active, Is.True, "the broker carries on after the wipe");
    }
}
