using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// A revocation is never lost (invariant 3): not across a broker restart, nor a <c>kill -9</c> of Redis
/// (AOF, appendfsync always) right after the revocation returned. Each test has its own redis-server.
/// </summary>
[NonParallelizable]
public sealed class RestartTests
{
    /// <summary>Revokes a grant, a task, a workload and a tool, one token each; returns those and a token nothing covers.</summary>
    private static async Task<(List<Grant> Revoked, Grant Live)> RevokeOneOfEachAsync(BrokerFixture broker)
    {
        var grant = await broker.GrantAsync();
        var taskId = BrokerFixture.NewTaskId();
        var task = await broker.GrantAsync(taskId: taskId);
        var workload = await broker.GrantAsync(workload: TestPolicy.Coder);
        var tool = await broker.GrantAsync(tool: "tickets.write");
        var live = await broker.GrantAsync();

        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId }, broker.As(TestPolicy.Operator));
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        await broker.Admin.RevokeWorkloadAsync(new RevokeWorkloadRequest { WorkloadId = TestPolicy.Coder }, broker.As(TestPolicy.Operator));
        await broker.Admin.RevokeToolAsync(new RevokeToolRequest { Tool = "tickets.write" }, broker.As(TestPolicy.Operator));
        return ([grant, task, workload, tool], live);
    }

    private static async Task AssertRevokedAsync(VerifierHarness verifier, IEnumerable<Grant> revoked, Grant live)
    {
        foreach (var grant in revoked)
        {
            var tool = grant.Tools.Single();
            await verifier.RevokedWithinBoundAsync(grant.AccessToken, tool);
        }

        var result = await verifier.Verifier.ValidateAsync(live.AccessToken, "tickets.read");
        Assert.That(result.IsValid, Is.True, result.Message);
    }

    [Test]
    public async Task Revocations_survive_a_broker_restart_for_a_following_and_a_fresh_verifier()
    {
        await using var redis = await RedisServer.StartNewAsync();
        var first = await BrokerFixture.StartAsync(redis.Endpoint);
        var directory = first.Directory;
        var address = first.Address;
        var current = first;
        await using var following = await VerifierHarness.StartAsync(address, () => current.IdentityToken(TestPolicy.Tool));
        var (revoked, live) = await RevokeOneOfEachAsync(first);
        await AssertRevokedAsync(following, revoked, live);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await first.StopAsync();
        TestContext.Out.WriteLine($"broker stopped in {clock.ElapsedMilliseconds} ms with a verifier following it");
        await using var second = await BrokerFixture.StartAsync(redis.Endpoint, directory, url: $"http://127.0.0.1:{address.Port}");
        current = second;
        await using var fresh = await VerifierHarness.StartAsync(second);

        Assert.That(fresh.Cache.Count, Is.GreaterThanOrEqualTo(revoked.Count), "the fresh verifier replayed from cursor zero");
        await AssertRevokedAsync(fresh, revoked, live);
        await following.WaitFreshAsync();
        await AssertRevokedAsync(following, revoked, live);
        var afterRestart = await second.GrantAsync();
        await second.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = afterRestart.GrantId }, second.As(TestPolicy.Operator));
        await following.RevokedWithinBoundAsync(afterRestart.AccessToken);
    }

    [Test]
    public async Task A_verifier_following_an_in_memory_broker_across_its_restart_misses_nothing_of_the_new_log()
    {
        // The in-memory log dies with the process; the new one starts with a rule revoking every earlier token.
        var first = await BrokerFixture.StartAsync();
        var address = first.Address;
        var current = first;
        await using var following = await VerifierHarness.StartAsync(address, () => current.IdentityToken(TestPolicy.Tool));
        var before = await first.GrantAsync();
        for (var i = 0; i < 3; i++)
        {
            var revoked = await first.GrantAsync();
            await first.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = revoked.GrantId }, first.As(TestPolicy.Operator));
            await following.RevokedWithinBoundAsync(revoked.AccessToken);
        }

        await first.StopAsync();
        await using var second = await BrokerFixture.StartAsync(directory: first.Directory, url: $"http://127.0.0.1:{address.Port}");
        current = second;
        var after = await second.GrantAsync();
        await second.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = after.GrantId }, second.As(TestPolicy.Operator));

        // Both rules sit at the start of the new log, before the cursor the verifier held from the old one.
        var generation = await following.RevokedWithinBoundAsync(before.AccessToken);
        Assert.That(generation.Message, Does.Contain("new store generation"));
        await following.RevokedWithinBoundAsync(after.AccessToken);
    }

    [Test]
    public async Task Revocations_survive_kill_9_of_Redis_right_after_they_return()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var broker = await BrokerFixture.StartAsync(redis.Endpoint);
        // Only the Redis client reports the kill as an error.
        broker.Logs.ExpectErrorsFrom("StackExchange.Redis");
        var (revoked, live) = await RevokeOneOfEachAsync(broker);
        var last = await broker.GrantAsync();
        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = last.GrantId }, broker.As(TestPolicy.Operator));

        // SIGKILL at once: only what Redis fsynced before acknowledging survives.
        await redis.StopAsync();
        await redis.StartAsync();
        await using var fresh = await VerifierHarness.StartAsync(broker);

        await AssertRevokedAsync(fresh, [.. revoked, last], live);
        var introspection = await broker.IntrospectAsync(last.AccessToken);
        Assert.That(introspection.Active, Is.False);
    }

    [Test]
    public async Task A_revocation_made_on_one_replica_reaches_a_verifier_following_another()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var one = await BrokerFixture.StartAsync(redis.Endpoint);
        await using var other = await BrokerFixture.StartAsync(redis.Endpoint, one.Directory);
        await using var verifier = await VerifierHarness.StartAsync(other);
        var grant = await one.GrantAsync();
        var taskId = BrokerFixture.NewTaskId();
        var task = await one.GrantAsync(taskId: taskId);
        Assert.That((await verifier.Verifier.ValidateAsync(grant.AccessToken, "tickets.read")).IsValid, Is.True, "replicas share signing keys");

        await one.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId }, one.As(TestPolicy.Operator));
        await one.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, one.As(TestPolicy.Orchestrator));

        await verifier.RevokedWithinBoundAsync(grant.AccessToken);
        await verifier.RevokedWithinBoundAsync(task.AccessToken);
        Assert.That((await other.IntrospectAsync(task.AccessToken)).Active, Is.False, "the other replica's Introspect agrees");
    }

    [Test]
    public async Task After_FLUSHALL_every_token_issued_before_is_refused()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var broker = await BrokerFixture.StartAsync(redis.Endpoint);
        // The broker reports the wiped dataset as the error it is.
        broker.Logs.ExpectErrorsFrom("CredBroker.Redis.RedisStoreWarmUp: Redis lost data", "StackExchange.Redis");
        await using var verifier = await VerifierHarness.StartAsync(broker);
        var tokens = new[] { await broker.GrantAsync(), await broker.GrantAsync(tool: "tickets.write"), await broker.GrantAsync(workload: TestPolicy.Coder) };
        foreach (var grant in tokens)
        {
            Assert.That((await verifier.Verifier.ValidateAsync(grant.AccessToken, grant.Tools.Single())).IsValid, Is.True);
        }

        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Endpoint + ",allowAdmin=true"))
        {
            await admin.GetServers().Single().FlushAllDatabasesAsync();
        }

        foreach (var grant in tokens)
        {
            var refusal = await verifier.RevokedWithinBoundAsync(grant.AccessToken, grant.Tools.Single());
            Assert.That(refusal.Message, Does.Contain("new store generation"));
            Assert.That((await broker.IntrospectAsync(grant.AccessToken)).Active, Is.False);
        }

    }
}
