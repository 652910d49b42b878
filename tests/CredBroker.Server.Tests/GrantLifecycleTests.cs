using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>Grant, introspect, release and revoke through real gRPC, on both stores.</summary>
[TestFixture("memory")]
[TestFixture("redis")]
public sealed class GrantLifecycleTests(string store)
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync(store == "redis" ? await SharedRedis.GetEndpointAsync() : null);

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private async Task<Grant> GrantAsync(string taskId, string workload = TestPolicy.Support, Duration? ttl = null, params string[] tools)
    {
        var request = new RequestGrantRequest { TaskId = taskId, Purpose = "answer the customer", Tools = { tools.Length == 0 ? ["tickets.read"] : tools } };
        if (ttl is not null)
        {
            request.Ttl = ttl;
        }

        return (await broker.Grants.RequestGrantAsync(request, broker.As(workload))).Grant;
    }

    private async Task<IntrospectResponse> IntrospectAsync(string token) =>
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As(TestPolicy.Tool));

    [Test]
    public async Task A_fresh_grant_introspects_active_with_its_claims()
    {
        var taskId = BrokerFixture.NewTaskId();
        var grant = await GrantAsync(taskId);
        var introspection = await IntrospectAsync(grant.AccessToken);
        Assert.Multiple(() =>
        {
            Assert.That(introspection.Active, Is.True, introspection.Reason);
            Assert.That(introspection.Jti, Is.EqualTo(grant.GrantId));
            Assert.That(introspection.TaskId, Is.EqualTo(taskId));
            Assert.That(introspection.Sub, Is.EqualTo(TestPolicy.Support));
            Assert.That(introspection.Scope, Is.EqualTo("tickets.read"));
            Assert.That(introspection.Aud, Is.EqualTo("https://tickets.test"));
            Assert.That(introspection.Owner, Is.EqualTo("team-support"));
        });
    }

    [Test]
    public async Task TTL_is_the_least_of_requested_tool_workload_and_global_limits()
    {
        var taskId = BrokerFixture.NewTaskId();
        var longAsked = await GrantAsync(taskId, ttl: Duration.FromTimeSpan(TimeSpan.FromHours(1)), tools: "tickets.read");
        var workloadBound = await GrantAsync(taskId, ttl: Duration.FromTimeSpan(TimeSpan.FromHours(1)), tools: "tickets.write");
        var globalBound = await GrantAsync(BrokerFixture.NewTaskId(), TestPolicy.Coder, Duration.FromTimeSpan(TimeSpan.FromHours(1)), "repo.read");
        var defaulted = await GrantAsync(taskId, tools: "tickets.write");
        var shortAsked = await GrantAsync(taskId, ttl: Duration.FromTimeSpan(TimeSpan.FromSeconds(30)), tools: "tickets.write");

        static long Seconds(Grant g) => g.ExpiresAt.Seconds - g.IssuedAt.Seconds;
        Assert.Multiple(() =>
        {
            Assert.That(Seconds(longAsked), Is.EqualTo(300), "tickets.read allows 5m");
            Assert.That(Seconds(workloadBound), Is.EqualTo(480), "support-agent allows 8m");
            Assert.That(Seconds(globalBound), Is.EqualTo(600), "the global limit is 10m");
            Assert.That(Seconds(defaulted), Is.EqualTo(120), "the default TTL is 2m");
            Assert.That(Seconds(shortAsked), Is.EqualTo(30));
        });
    }

    [Test]
    public async Task RevokeTask_ends_every_grant_of_the_task_and_counts_the_live_ones()
    {
        var taskId = BrokerFixture.NewTaskId();
        var first = await GrantAsync(taskId);
        var second = await GrantAsync(taskId, tools: "tickets.write");
        var released = await GrantAsync(taskId);
        await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = released.GrantId }, broker.As(TestPolicy.Support));
        var otherTask = await GrantAsync(BrokerFixture.NewTaskId());

        var revoked = await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId, Reason = "task finished" }, broker.As(TestPolicy.Orchestrator));

        Assert.That(revoked.RevokedGrants, Is.EqualTo(2), "two live grants; the released one no longer counts");
        Assert.That(revoked.RevokedAt, Is.Not.Null);
        foreach (var grant in new[] { first, second })
        {
            var introspection = await IntrospectAsync(grant.AccessToken);
            Assert.That(introspection.Active, Is.False);
            Assert.That(introspection.Reason, Does.Contain($"task {taskId} was revoked"));
            Assert.That(introspection.Jti, Is.Empty, "an inactive answer carries no claims (RFC 7662)");
        }

        Assert.That((await IntrospectAsync(otherTask.AccessToken)).Active, Is.True, "other tasks are untouched");
    }

    [Test]
    public async Task RequestGrant_after_RevokeTask_is_refused_naming_the_task()
    {
        var taskId = BrokerFixture.NewTaskId();
        await GrantAsync(taskId);
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));

        var error = Assert.ThrowsAsync<RpcException>(() => GrantAsync(taskId));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(error.Status.Detail, Does.Match($"task {taskId} was revoked at \\d{{4}}-\\d\\d-\\d\\dT"));
    }

    [Test]
    public async Task Revoking_a_task_twice_reports_the_first_revocation_and_no_grants()
    {
        var taskId = BrokerFixture.NewTaskId();
        await GrantAsync(taskId);
        var first = await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        var second = await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        Assert.That(first.RevokedGrants, Is.EqualTo(1));
        Assert.That(second.RevokedGrants, Is.Zero);
        Assert.That(second.RevokedAt, Is.EqualTo(first.RevokedAt));
    }

    [Test]
    public async Task ReleaseGrant_makes_only_that_grant_inactive()
    {
        var taskId = BrokerFixture.NewTaskId();
        var kept = await GrantAsync(taskId);
        var handedBack = await GrantAsync(taskId);

        var released = await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = handedBack.GrantId }, broker.As(TestPolicy.Support));

        Assert.That(released.ReleasedAt, Is.Not.Null);
        Assert.That((await IntrospectAsync(handedBack.AccessToken)).Active, Is.False);
        Assert.That((await IntrospectAsync(kept.AccessToken)).Active, Is.True);
    }

    [Test]
    public async Task A_workload_cannot_release_another_workloads_grant()
    {
        var grant = await GrantAsync(BrokerFixture.NewTaskId(), TestPolicy.Coder, tools: "repo.read");
        var error = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = grant.GrantId }, broker.As(TestPolicy.OtherCoder)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That((await IntrospectAsync(grant.AccessToken)).Active, Is.True);
    }

    [Test]
    public async Task RevokeGrant_by_an_operator_makes_the_token_inactive()
    {
        var grant = await GrantAsync(BrokerFixture.NewTaskId());
        var response = await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId, Reason = "suspicious use" }, broker.As(TestPolicy.Operator));
        Assert.That(response.RevokedGrants, Is.EqualTo(1));
        var introspection = await IntrospectAsync(grant.AccessToken);
        Assert.That(introspection.Active, Is.False);
        Assert.That(introspection.Reason, Does.Contain("grant was revoked"));
    }

    [Test]
    public void Releasing_or_revoking_an_unknown_grant_is_NOT_FOUND()
    {
        var release = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = "g_doesnotexist" }, broker.As(TestPolicy.Support)));
        var revoke = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = "g_doesnotexist" }, broker.As(TestPolicy.Operator)));
        Assert.That(release!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(revoke!.StatusCode, Is.EqualTo(StatusCode.NotFound));
    }

    [Test]
    public async Task Introspect_reports_a_tampered_or_foreign_token_inactive_with_a_reason()
    {
        var grant = await GrantAsync(BrokerFixture.NewTaskId());
        var parts = grant.AccessToken.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(TokenParts.Decode(parts[1])).Replace("tickets.read", "tickets.admin", StringComparison.Ordinal);
        var tampered = parts[0] + "." + TokenParts.Encode(payload) + "." + parts[2];

        var answers = new Dictionary<string, IntrospectResponse>
        {
            ["tampered"] = await IntrospectAsync(tampered),
            ["garbage"] = await IntrospectAsync("not-a-token"),
            ["identity token"] = await IntrospectAsync(broker.IdentityToken(TestPolicy.Support)),
        };
        foreach (var (what, answer) in answers)
        {
            Assert.That(answer.Active, Is.False, what);
            Assert.That(answer.Reason, Is.Not.Empty, what);
        }

        Assert.That(answers["tampered"].Reason, Does.Contain("signature"));
    }
}
