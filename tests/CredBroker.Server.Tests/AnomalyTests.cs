using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>
/// Each anomaly rule fires at its threshold and not below, takes its action within the request that
/// fired it, and is audited with its evidence. Each test uses a workload of its own under the
/// coding-agents pattern, and its own broker, since tool revocations and quarantines are global.
/// </summary>
public sealed class AnomalyTests
{
    public const string Rules = """

        anomalies:
          - name: scope-probing
            signal: scopeProbing
            per: task
            threshold: 3
            window: 10m
            action: revokeTask
          - name: grant-burst
            signal: grantRate
            per: workload
            threshold: 4
            window: 10m
            action: deny
          - name: revoked-token-replay
            signal: revokedTokenUse
            per: workload
            threshold: 2
            window: 10m
            action: quarantineWorkload
            quarantine: 5m
          - name: stolen-token
            signal: workloadMismatch
            threshold: 1
            window: 10m
            action: revokeTool
          - name: injection
            signal: reported
            kind: prompt-injection-suspected
            threshold: 1
            window: 10m
            action: revokeTask
        """;

    private BrokerFixture broker = null!;

    [SetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync(policy: TestPolicy.Yaml + Rules);

    [TearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private static string NewCoder() => "spiffe://test.local/agents/coding/" + Guid.NewGuid().ToString("N")[..10];

    private static RequestGrantRequest Request(string taskId, string tool) => new() { TaskId = taskId, Purpose = "fix the build", Tools = { tool } };

    private async Task<Grant> GrantAsync(string workload, string taskId, string tool = "repo.read") =>
        (await broker.Grants.RequestGrantAsync(Request(taskId, tool), broker.As(workload))).Grant;

    private async Task<List<AuditEvent>> AnomaliesAsync(string rule) =>
        (await broker.Services.GetRequiredService<IAuditReader>().ReadAsync(null, 100_000, CancellationToken.None))
            .Select(r => r.Event)
            .Where(e => e.Kind == AuditKinds.Anomaly && e.Evidence.TryGetValue("rule", out var name) && name == rule)
            .ToList();

    private async Task<TaskInfo> TaskAsync(string taskId) =>
        await broker.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));

    private async Task<bool> ActiveAsync(string token) =>
        (await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As(TestPolicy.Tool))).Active;

    [Test]
    public async Task Scope_probing_revokes_the_task_at_the_third_denial_and_not_before()
    {
        var coder = NewCoder();
        var taskId = BrokerFixture.NewTaskId();
        var grant = await GrantAsync(coder, taskId);
        for (var i = 0; i < 2; i++)
        {
            var denied = Assert.ThrowsAsync<RpcException>(async () => await GrantAsync(coder, taskId, "tickets.write"));
            Assert.That(denied!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        }

        Assert.That(await AnomaliesAsync("scope-probing"), Is.Empty, "two denials are below the threshold");
        Assert.That(await ActiveAsync(grant.AccessToken), Is.True);

        Assert.ThrowsAsync<RpcException>(async () => await GrantAsync(coder, taskId, "tickets.admin"));

        Assert.That((await TaskAsync(taskId)).RevokedAt, Is.Not.Null);
        Assert.That(await ActiveAsync(grant.AccessToken), Is.False, "the task's earlier grant died with it");
        var after = Assert.ThrowsAsync<RpcException>(async () => await GrantAsync(coder, taskId));
        Assert.That(after!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        var fired = (await AnomaliesAsync("scope-probing")).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fired.Decision, Is.EqualTo("revoke_task"));
            Assert.That(fired.TaskId, Is.EqualTo(taskId));
            Assert.That(fired.WorkloadId, Is.EqualTo(coder));
            Assert.That(fired.Caller, Is.EqualTo(coder));
            Assert.That(fired.Evidence["count"], Is.EqualTo("3"));
            Assert.That(fired.Evidence["threshold"], Is.EqualTo("3"));
            Assert.That(fired.Evidence["action_outcome"], Does.StartWith($"task {taskId} revoked (1 live grants)"));
            Assert.That(fired.Evidence["refusal"], Does.Contain("tickets.admin"));
        });
    }

    [Test]
    public async Task Grant_rate_denies_the_grant_that_reaches_the_limit_and_its_token_never_exists()
    {
        var coder = NewCoder();
        for (var i = 0; i < 3; i++)
        {
            await GrantAsync(coder, BrokerFixture.NewTaskId());
        }

        Assert.That(await AnomaliesAsync("grant-burst"), Is.Empty, "three grants are below the threshold");
        var taskId = BrokerFixture.NewTaskId();
        // Opened first, so the task is known whether or not the refused grant ever touched it.
        await broker.Tasks.OpenTaskAsync(
            new OpenTaskRequest { TaskId = taskId, WorkloadId = coder, Purpose = "fix the build", Owner = "alice@example.org", Tools = { "repo.read" } },
            broker.As(TestPolicy.Orchestrator));
        var denied = Assert.ThrowsAsync<RpcException>(async () => await GrantAsync(coder, taskId));

        Assert.That(denied!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(denied.Status.Detail, Does.Contain("anomaly rule 'grant-burst' fired: 4 grants for workload " + coder));
        Assert.That((await TaskAsync(taskId)).LiveGrants, Is.Zero, "the grant that fired the rule was retracted");
        var fired = (await AnomaliesAsync("grant-burst")).Single();
        Assert.That(fired.Decision, Is.EqualTo("deny"));
        Assert.That(fired.Evidence["count"], Is.EqualTo("4"));
        var other = NewCoder();
        Assert.That((await GrantAsync(other, BrokerFixture.NewTaskId())).AccessToken, Is.Not.Empty, "another workload is counted apart");
    }

    [Test]
    public async Task A_revoked_token_presented_twice_quarantines_its_workload()
    {
        var coder = NewCoder();
        var grant = await GrantAsync(coder, BrokerFixture.NewTaskId());
        await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = grant.GrantId }, broker.As(coder));
        var report = new RecordToolUseRequest { GrantId = grant.GrantId, Tool = "repo.read", Action = "clone", Outcome = ToolUseReport.RejectedRevoked };

        var first = await broker.Verify.RecordToolUseAsync(report, broker.As(TestPolicy.Tool));
        Assert.That(first.AnomalyActions, Is.Empty, "one replay is below the threshold");
        Assert.That(await GrantAsync(coder, BrokerFixture.NewTaskId()), Is.Not.Null);

        var second = await broker.Verify.RecordToolUseAsync(report, broker.As(TestPolicy.Tool));

        Assert.That(second.AnomalyActions, Has.Count.EqualTo(1));
        Assert.That(second.AnomalyActions[0], Does.Contain("quarantined for 5m"));
        var refused = Assert.ThrowsAsync<RpcException>(async () => await GrantAsync(coder, BrokerFixture.NewTaskId()));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(refused.Status.Detail, Does.Contain("quarantined"));
        var fired = (await AnomaliesAsync("revoked-token-replay")).Single();
        Assert.That(fired.Caller, Is.EqualTo(TestPolicy.Tool));
        Assert.That(fired.GrantId, Is.EqualTo(grant.GrantId));
    }

    [Test]
    public async Task A_report_on_an_unknown_grant_is_recorded_and_counts_against_no_one()
    {
        // The claims a tool server says it read are only its word: counting them would let it quarantine anyone.
        var coder = NewCoder();
        var report = new RecordToolUseRequest { GrantId = "g_expiredlongago", Tool = "repo.read", Action = "clone", Outcome = ToolUseReport.RejectedExpired, WorkloadId = coder, TaskId = "t-old" };
        await broker.Verify.RecordToolUseAsync(report, broker.As(TestPolicy.Tool));
        var second = await broker.Verify.RecordToolUseAsync(report, broker.As(TestPolicy.Tool));

        Assert.That(second.AnomalyActions, Is.Empty);
        Assert.That(await GrantAsync(coder, BrokerFixture.NewTaskId()), Is.Not.Null, "the named workload is not quarantined");
        Assert.That(await AnomaliesAsync("revoked-token-replay"), Is.Empty);
    }

    [Test]
    public async Task A_token_presented_by_another_workload_revokes_its_tools_at_once()
    {
        var coder = NewCoder();
        var grant = await GrantAsync(coder, BrokerFixture.NewTaskId());
        var honest = await broker.Verify.RecordToolUseAsync(
            new RecordToolUseRequest { GrantId = grant.GrantId, Tool = "repo.read", Action = "clone", Outcome = "ok", PresenterWorkloadId = coder },
            broker.As(TestPolicy.Tool));
        Assert.That(honest.AnomalyActions, Is.Empty, "the token's own workload presenting it is no anomaly");

        var thief = NewCoder();
        var stolen = await broker.Verify.RecordToolUseAsync(
            new RecordToolUseRequest { GrantId = grant.GrantId, Tool = "repo.read", Action = "clone", Outcome = "ok", PresenterWorkloadId = thief },
            broker.As(TestPolicy.Tool));

        Assert.That(stolen.AnomalyActions.Single(), Does.Contain("tool repo.read revoked until released"));
        Assert.That(await ActiveAsync(grant.AccessToken), Is.False);
        var refused = Assert.ThrowsAsync<RpcException>(async () => await GrantAsync(NewCoder(), BrokerFixture.NewTaskId()));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition), "the revocation stands: no new token carries the tool");
        Assert.That(refused.Status.Detail, Does.StartWith("tool repo.read was revoked"));
        var fired = (await AnomaliesAsync("stolen-token")).Single();
        Assert.That(fired.Evidence["presenter_workload_id"], Is.EqualTo(thief));
        Assert.That(fired.WorkloadId, Is.EqualTo(coder));
    }

    [Test]
    public async Task A_reported_anomaly_of_a_matching_kind_revokes_the_task_and_others_are_only_recorded()
    {
        var coder = NewCoder();
        var taskId = BrokerFixture.NewTaskId();
        var grant = await GrantAsync(coder, taskId);
        var op = broker.As(TestPolicy.Operator);

        var other = await broker.Admin.ReportAnomalyAsync(new ReportAnomalyRequest { Kind = "odd-hours", TaskId = taskId, Detail = "3am" }, op);
        Assert.That(other.Action, Is.EqualTo("recorded; no anomaly rule fired"));
        Assert.That((await TaskAsync(taskId)).RevokedAt, Is.Null);

        var injection = await broker.Admin.ReportAnomalyAsync(new ReportAnomalyRequest { Kind = "prompt-injection-suspected", GrantId = grant.GrantId, Detail = "ignore previous instructions" }, op);

        Assert.That(injection.RevokedGrants, Is.EqualTo(1));
        Assert.That(injection.Action, Does.Contain($"task {taskId} revoked"));
        Assert.That((await TaskAsync(taskId)).RevokedAt, Is.Not.Null);
        var fired = (await AnomaliesAsync("injection")).Single();
        Assert.That(fired.Caller, Is.EqualTo(TestPolicy.Operator));
        Assert.That(fired.Evidence["detail"], Is.EqualTo("ignore previous instructions"));
    }

    [TestCase("kind", "", "spiffe://test.local/agents/x", "")]
    [TestCase("kind", "Prompt Injection", "spiffe://test.local/agents/x", "")]
    [TestCase("workload_id", "x", "", "")]
    [TestCase("workload_id", "x", "agent-7", "")]
    [TestCase("task_id", "x", "", "bad task!")]
    public void A_bad_report_is_refused_naming_the_field(string field, string kind, string workload, string task)
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Admin.ReportAnomalyAsync(
            new ReportAnomalyRequest { Kind = kind, WorkloadId = workload, TaskId = task },
            broker.As(TestPolicy.Operator)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.StartWith(field + ":"));
    }

    [Test]
    public async Task Replicas_on_one_Redis_count_a_workloads_grants_together()
    {
        var redis = await SharedRedis.GetEndpointAsync();
        var prefix = "anomaly-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var a = await BrokerFixture.StartAsync(redis, policy: TestPolicy.Yaml + Rules, redisKeyPrefix: prefix);
        await using var b = await BrokerFixture.StartAsync(redis, policy: TestPolicy.Yaml + Rules, redisKeyPrefix: prefix);
        var coder = NewCoder();
        await a.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId(), "repo.read"), a.As(coder));
        await b.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId(), "repo.read"), b.As(coder));
        await a.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId(), "repo.read"), a.As(coder));

        var denied = Assert.ThrowsAsync<RpcException>(async () => await b.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId(), "repo.read"), b.As(coder)));

        Assert.That(denied!.Status.Detail, Does.Contain("anomaly rule 'grant-burst' fired: 4 grants"));
    }
}
