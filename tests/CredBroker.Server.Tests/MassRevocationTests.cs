using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>Revoking a workload, a tool or everything: one rule, and every covered token dies (invariant 4).</summary>
[TestFixture("memory")]
[TestFixture("redis")]
[NonParallelizable]
public sealed class MassRevocationTests(string store)
{
    private BrokerFixture broker = null!;

    [SetUp]
    public async Task Start() => broker = store == "redis"
        ? await BrokerFixture.StartAsync(await SharedRedis.GetEndpointAsync(), redisKeyPrefix: $"mass-{Guid.NewGuid():N}:")
        : await BrokerFixture.StartAsync();

    [TearDown]
    public async Task Stop()
    {
        // The kill switch is global: never leave it engaged for the next test on a shared Redis.
        await broker.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest(), broker.As(TestPolicy.Operator));
        await broker.DisposeAsync();
    }

    private async Task<Grant> GrantAsync(string workload = TestPolicy.Support, string tool = "tickets.read") =>
        (await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { tool } }, broker.As(workload))).Grant;

    private async Task<IntrospectResponse> IntrospectAsync(Grant grant) =>
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = grant.AccessToken }, broker.As(TestPolicy.Tool));

    [Test]
    public async Task Kill_switch_kills_every_token_and_refuses_grants_until_released()
    {
        var before = await GrantAsync();
        var other = await GrantAsync(TestPolicy.Coder, "repo.read");

        var engaged = await broker.Admin.EngageKillSwitchAsync(new KillSwitchRequest { Reason = "incident 7" }, broker.As(TestPolicy.Operator));

        Assert.That(engaged.Engaged, Is.True);
        Assert.That(engaged.EngagedBy, Is.EqualTo(TestPolicy.Operator));
        Assert.That((await IntrospectAsync(before)).Active, Is.False);
        Assert.That((await IntrospectAsync(other)).Reason, Does.Contain("incident 7"));
        var refused = Assert.ThrowsAsync<RpcException>(() => GrantAsync());
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(refused.Status.Detail, Does.StartWith("kill switch engaged"));
        var status = await broker.Admin.GetKillSwitchAsync(new GetKillSwitchRequest(), broker.As(TestPolicy.Operator));
        Assert.That(status.Engaged, Is.True);

        var released = await broker.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest(), broker.As(TestPolicy.Operator));

        Assert.That(released.Engaged, Is.False);
        Assert.That(released.ReleasedAt, Is.Not.Null);
        var after = await GrantAsync();
        Assert.That((await IntrospectAsync(after)).Active, Is.True, "a grant issued after the release lives");
        Assert.That((await IntrospectAsync(before)).Active, Is.False, "a token issued before the release stays dead");
    }

    [Test]
    public async Task RevokeWorkload_kills_its_tokens_only_and_allows_new_grants()
    {
        var revoked = await GrantAsync(TestPolicy.Coder, "repo.read");
        var untouched = await GrantAsync(TestPolicy.OtherCoder, "repo.read");

        await broker.Admin.RevokeWorkloadAsync(new RevokeWorkloadRequest { WorkloadId = TestPolicy.Coder, Reason = "leaked" }, broker.As(TestPolicy.Operator));

        var answer = await IntrospectAsync(revoked);
        Assert.That(answer.Active, Is.False);
        Assert.That(answer.Reason, Does.Contain($"workload {TestPolicy.Coder} was revoked"));
        Assert.That((await IntrospectAsync(untouched)).Active, Is.True);
        var fresh = await GrantAsync(TestPolicy.Coder, "repo.read");
        Assert.That((await IntrospectAsync(fresh)).Active, Is.True, "without quarantine the workload may ask again");
    }

    [Test]
    public async Task A_quarantined_workload_is_refused_new_grants_with_a_retry_hint()
    {
        var token = await GrantAsync(TestPolicy.Coder, "repo.read");
        await broker.Admin.RevokeWorkloadAsync(
            new RevokeWorkloadRequest { WorkloadId = TestPolicy.Coder, Quarantine = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) }, broker.As(TestPolicy.Operator));

        var error = Assert.ThrowsAsync<RpcException>(() => GrantAsync(TestPolicy.Coder, "repo.read"));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(error.Status.Detail, Does.Contain("quarantined until"));
        var retry = error.GetRpcStatus()?.GetDetail<Google.Rpc.RetryInfo>();
        Assert.That(retry?.RetryDelay.ToTimeSpan(), Is.GreaterThan(TimeSpan.FromMinutes(9)));
        Assert.That((await IntrospectAsync(token)).Active, Is.False);
        Assert.That((await IntrospectAsync(await GrantAsync(TestPolicy.OtherCoder, "repo.read"))).Active, Is.True);
    }

    [Test]
    public async Task RevokeTool_kills_every_token_carrying_the_tool()
    {
        var carrying = await GrantAsync(TestPolicy.Coder, "tickets.read");
        var other = await GrantAsync(TestPolicy.Coder, "repo.read");

        await broker.Admin.RevokeToolAsync(new RevokeToolRequest { Tool = "tickets.read", Reason = "tool compromised" }, broker.As(TestPolicy.Operator));

        var answer = await IntrospectAsync(carrying);
        Assert.That(answer.Active, Is.False);
        Assert.That(answer.Reason, Does.Contain("tool tickets.read was revoked"));
        Assert.That((await IntrospectAsync(other)).Active, Is.True);
    }

    [Test]
    public async Task RevokeTool_refuses_new_grants_of_the_tool_until_released()
    {
        var before = await GrantAsync(TestPolicy.Coder, "tickets.read");
        var revoked = await broker.Admin.RevokeToolAsync(new RevokeToolRequest { Tool = "tickets.read", Reason = "tool compromised" }, broker.As(TestPolicy.Operator));
        Assert.That(revoked.LiftedAt, Is.Null, "it stands until released");

        var refused = Assert.ThrowsAsync<RpcException>(() => GrantAsync(TestPolicy.Support, "tickets.read"));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(refused.Status.Detail, Does.StartWith("tool tickets.read was revoked at").And.EndWith("until an operator releases it"));
        Assert.That((await IntrospectAsync(await GrantAsync(TestPolicy.Coder, "repo.read"))).Active, Is.True, "other tools are granted");

        var released = await broker.Admin.ReleaseToolAsync(new ReleaseToolRequest { Tool = "tickets.read", Reason = "patched" }, broker.As(TestPolicy.Operator));

        Assert.That(released.Released, Is.True);
        var after = await GrantAsync(TestPolicy.Support, "tickets.read");
        Assert.That((await IntrospectAsync(after)).Active, Is.True, "a grant issued after the release lives");
        Assert.That((await IntrospectAsync(before)).Active, Is.False, "a token issued before the release stays dead");
        var again = await broker.Admin.ReleaseToolAsync(new ReleaseToolRequest { Tool = "tickets.read" }, broker.As(TestPolicy.Operator));
        Assert.That(again.Released, Is.False, "nothing stands any more");
    }

    [Test]
    public async Task RevokeTool_for_a_duration_names_its_end_and_may_be_released_early()
    {
        var revoked = await broker.Admin.RevokeToolAsync(
            new RevokeToolRequest { Tool = "tickets.write", Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) }, broker.As(TestPolicy.Operator));

        var refused = Assert.ThrowsAsync<RpcException>(() => GrantAsync(TestPolicy.Support, "tickets.write"));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(refused.Status.Detail, Does.Contain($"until {revoked.LiftedAt.ToDateTimeOffset():yyyy-MM-ddTHH:mm:ssZ}"));
        Assert.That(refused.GetRpcStatus()?.GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay.ToTimeSpan(), Is.GreaterThan(TimeSpan.FromMinutes(9)));

        Assert.That((await broker.Admin.ReleaseToolAsync(new ReleaseToolRequest { Tool = "tickets.write" }, broker.As(TestPolicy.Operator))).Released, Is.True);
        Assert.That((await IntrospectAsync(await GrantAsync(TestPolicy.Support, "tickets.write"))).Active, Is.True);
    }

    [Test]
    public void Bad_tool_revocation_input_is_refused_naming_the_field()
    {
        var duration = Assert.ThrowsAsync<RpcException>(async () => await broker.Admin.RevokeToolAsync(
            new RevokeToolRequest { Tool = "tickets.read", Duration = Duration.FromTimeSpan(TimeSpan.FromDays(31)) }, broker.As(TestPolicy.Operator)));
        var release = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Admin.ReleaseToolAsync(new ReleaseToolRequest { Tool = "Not A Tool" }, broker.As(TestPolicy.Operator)));
        Assert.That(duration!.Status.Detail, Does.StartWith("duration:"));
        Assert.That(release!.Status.Detail, Does.StartWith("tool:"));
        Assert.That(new[] { duration.StatusCode, release.StatusCode }, Is.All.EqualTo(StatusCode.InvalidArgument));
    }

    [Test]
    public void Bad_mass_revocation_input_is_refused_naming_the_field()
    {
        var workload = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Admin.RevokeWorkloadAsync(new RevokeWorkloadRequest { WorkloadId = "support-agent" }, broker.As(TestPolicy.Operator)));
        var quarantine = Assert.ThrowsAsync<RpcException>(async () => await broker.Admin.RevokeWorkloadAsync(
            new RevokeWorkloadRequest { WorkloadId = TestPolicy.Coder, Quarantine = Duration.FromTimeSpan(TimeSpan.FromDays(400)) }, broker.As(TestPolicy.Operator)));
        var tool = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Admin.RevokeToolAsync(new RevokeToolRequest { Tool = "Not A Tool" }, broker.As(TestPolicy.Operator)));
        Assert.That(workload!.Status.Detail, Does.StartWith("workload_id:"));
        Assert.That(quarantine!.Status.Detail, Does.StartWith("quarantine:"));
        Assert.That(tool!.Status.Detail, Does.StartWith("tool:"));
        Assert.That(new[] { workload.StatusCode, quarantine.StatusCode, tool.StatusCode }, Is.All.EqualTo(StatusCode.InvalidArgument));
    }

    [Test]
    public async Task Only_operators_may_revoke_workloads_or_pull_the_kill_switch()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Admin.EngageKillSwitchAsync(new KillSwitchRequest(), broker.As(TestPolicy.Orchestrator)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That((await broker.Admin.GetKillSwitchAsync(new GetKillSwitchRequest(), broker.As(TestPolicy.Operator))).Engaged, Is.False);
    }
}
