using System.Diagnostics;
using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// A real broker on real Redis and a real verifier following it: each kind of revocation reaches the
/// verifier within the staleness bound, the verifier refuses the token, and Introspect agrees.
/// Global rules (workload, tool, kill switch) need this broker's own key prefix on the shared Redis.
/// </summary>
[NonParallelizable]
public sealed class RevocationIntegrationTests
{
    private BrokerFixture broker = null!;
    private VerifierHarness verifier = null!;

    [SetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync(await SharedRedis.GetEndpointAsync(), redisKeyPrefix: $"verifier-{Guid.NewGuid():N}:");
        verifier = await VerifierHarness.StartAsync(broker);
    }

    [TearDown]
    public async Task Stop()
    {
        await broker.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest(), broker.As(TestPolicy.Operator));
        await verifier.DisposeAsync();
        await broker.DisposeAsync();
    }

    private async Task AssertValidAsync(Grant grant, string tool = "tickets.read")
    {
        var result = await verifier.Verifier.ValidateAsync(grant.AccessToken, tool);
        Assert.That(result.IsValid, Is.True, result.Message);
    }

    private async Task AssertDeadEverywhereAsync(Grant grant, string reason, string tool = "tickets.read")
    {
        var refusal = await verifier.RevokedWithinBoundAsync(grant.AccessToken, tool);
        var introspection = await broker.IntrospectAsync(grant.AccessToken);
        Assert.That(refusal.Message, Does.Contain(reason));
        Assert.That(introspection.Active, Is.False, "Introspect agrees");
        Assert.That(introspection.Reason, Does.Contain(reason));
    }

    [Test]
    public async Task RevokeGrant_reaches_the_verifier()
    {
        var grant = await broker.GrantAsync();
        var other = await broker.GrantAsync();
        await AssertValidAsync(grant);

        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId }, broker.As(TestPolicy.Operator));

        await AssertDeadEverywhereAsync(grant, "grant was revoked");
        await AssertValidAsync(other);
    }

    [Test]
    public async Task RevokeTask_reaches_the_verifier()
    {
        var taskId = BrokerFixture.NewTaskId();
        var first = await broker.GrantAsync(taskId: taskId);
        var second = await broker.GrantAsync(tool: "tickets.write", taskId: taskId);
        var other = await broker.GrantAsync();

        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));

        await AssertDeadEverywhereAsync(first, $"task {taskId} was revoked");
        await AssertDeadEverywhereAsync(second, $"task {taskId} was revoked", "tickets.write");
        await AssertValidAsync(other);
    }

    [Test]
    public async Task RevokeWorkload_reaches_the_verifier()
    {
        var revoked = await broker.GrantAsync(workload: TestPolicy.Coder);
        var untouched = await broker.GrantAsync(workload: TestPolicy.OtherCoder);

        await broker.Admin.RevokeWorkloadAsync(new RevokeWorkloadRequest { WorkloadId = TestPolicy.Coder, Reason = "leaked" }, broker.As(TestPolicy.Operator));

        await AssertDeadEverywhereAsync(revoked, $"workload {TestPolicy.Coder} was revoked");
        await AssertValidAsync(untouched);
        var fresh = await broker.GrantAsync(workload: TestPolicy.Coder);
        await AssertValidAsync(fresh);
    }

    [Test]
    public async Task RevokeTool_kills_every_token_carrying_it()
    {
        var writer = await broker.GrantAsync(tool: "tickets.write");
        var reader = await broker.GrantAsync();

        await broker.Admin.RevokeToolAsync(new RevokeToolRequest { Tool = "tickets.write", Reason = "compromised" }, broker.As(TestPolicy.Operator));

        await AssertDeadEverywhereAsync(writer, "tool tickets.write was revoked", "tickets.write");
        await AssertValidAsync(reader);
    }

    [Test]
    public async Task Kill_switch_reaches_the_verifier_and_a_release_does_not_revive()
    {
        var before = await broker.GrantAsync();
        var coder = await broker.GrantAsync(workload: TestPolicy.Coder);

        var clock = Stopwatch.StartNew();
        await broker.Admin.EngageKillSwitchAsync(new KillSwitchRequest { Reason = "incident 9" }, broker.As(TestPolicy.Operator));
        var engaged = clock.Elapsed;
        await verifier.RevokedWithinBoundAsync(before.AccessToken);
        TestContext.Out.WriteLine($"kill switch: EngageKillSwitch returned after {engaged.TotalMilliseconds:0} ms; verifier refused {(clock.Elapsed - engaged).TotalMilliseconds:0} ms later");

        await AssertDeadEverywhereAsync(before, "incident 9");
        await AssertDeadEverywhereAsync(coder, "incident 9");
        await broker.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest(), broker.As(TestPolicy.Operator));
        var after = await broker.GrantAsync();
        await Eventually.ResultAsync(() => verifier.Verifier.ValidateAsync(after.AccessToken, "tickets.read"), r => r.IsValid, Brokers.StalenessBound, "a token issued after the release to be accepted");
        Assert.That((await verifier.Verifier.ValidateAsync(before.AccessToken, "tickets.read")).Failure, Is.EqualTo(TokenFailure.Revoked), "tokens issued before the release stay dead");
    }
}
