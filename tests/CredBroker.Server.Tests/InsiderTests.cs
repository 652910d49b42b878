using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CredBroker.Core.Audit;
using CredBroker.Core.SigningKeys;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>
/// Insiders against one broker: a victim workload, an attacker workload (listed in policy, so it
/// authenticates and may ask for grants) and a rogue tool server (it holds the tool role, but serves
/// another audience). After every attempt the victim's task, workload and grants are untouched.
/// Each test uses fresh victim and attacker identities, since quarantines are global on the broker.
/// </summary>
[TestFixture("memory")]
[TestFixture("redis")]
public sealed class InsiderTests(string store)
{
    public const string HonestTool = "spiffe://test.local/tools/tickets";
    public const string RogueTool = "spiffe://test.local/tools/rogue";

    public const string Policy = """
        version: 1
        limits:
          maxTtl: 10m
          defaultTtl: 2m
          maxToolsPerGrant: 4
        tools:
          - name: tickets.read
            audience: https://tickets.test
          - name: tickets.write
            audience: https://tickets.test
          - name: rogue.ping
            audience: https://rogue.test
        audiences:
          https://tickets.test: { servers: [spiffe://test.local/tools/tickets] }
          https://rogue.test: { servers: [spiffe://test.local/tools/rogue] }
        workloads:
          - name: victims
            id: spiffe://test.local/agents/victims/*
            owner: team-victim
            tools: [tickets.read, tickets.write]
          - name: attackers
            id: spiffe://test.local/agents/attackers/*
            owner: team-attacker
            tools: [tickets.read, rogue.ping]
        roles:
          orchestrator: [spiffe://test.local/orchestrator]
          operator: [spiffe://test.local/operator]
          tool: [spiffe://test.local/tools/*]
        anomalies:
          - name: probing
            signal: scopeProbing
            per: task
            threshold: 3
            window: 10m
            action: revokeTask
          - name: probing-by-workload
            signal: scopeProbing
            per: workload
            threshold: 3
            window: 10m
            action: revokeTask
          - name: foreign-task
            signal: foreignTask
            threshold: 5
            window: 10m
            action: quarantineWorkload
            quarantine: 5m
          - name: replay
            signal: revokedTokenUse
            per: workload
            threshold: 1
            window: 10m
            action: quarantineWorkload
            quarantine: 5m
          - name: stolen
            signal: workloadMismatch
            per: task
            threshold: 1
            window: 10m
            action: revokeTask
          - name: reported
            signal: reported
            per: workload
            threshold: 1
            window: 10m
            action: quarantineWorkload
            quarantine: 5m
        """;

    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = store == "redis"
        ? await BrokerFixture.StartAsync(await SharedRedis.GetEndpointAsync(), policy: Policy, redisKeyPrefix: $"insider-{Guid.NewGuid():N}:")
        : await BrokerFixture.StartAsync(policy: Policy);

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private static string NewVictim() => "spiffe://test.local/agents/victims/" + Guid.NewGuid().ToString("N")[..10];

    private static string NewAttacker() => "spiffe://test.local/agents/attackers/" + Guid.NewGuid().ToString("N")[..10];

    private async Task<Grant> GrantAsync(string workload, string taskId, string tool = "tickets.read") =>
        (await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "answer ticket 7", Tools = { tool } }, broker.As(workload))).Grant;

    private RpcException Refused(string workload, string taskId, string tool) =>
        Assert.ThrowsAsync<RpcException>(async () => await GrantAsync(workload, taskId, tool))!;

    /// <summary>The victim's task is open and unrevoked, its grant live, and the victim itself not quarantined.</summary>
    private async Task AssertUntouchedAsync(string victim, string taskId, Grant grant)
    {
        var task = await broker.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        var introspection = await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = grant.AccessToken }, broker.As(HonestTool));
        var another = await GrantAsync(victim, taskId);
        Assert.Multiple(() =>
        {
            Assert.That(task.RevokedAt, Is.Null, "the victim's task is not revoked");
            Assert.That(task.WorkloadId, Is.EqualTo(victim));
            Assert.That(introspection.Active, Is.True, $"the victim's grant is live ({introspection.Reason})");
            Assert.That(another.AccessToken, Is.Not.Empty, "the victim is not quarantined");
        });
    }

    private async Task<List<AuditEvent>> AuditAsync(string kind) =>
        (await broker.Services.GetRequiredService<IAuditReader>().ReadAsync(null, 100_000, CancellationToken.None))
            .Select(r => r.Event)
            .Where(e => e.Kind == kind)
            .ToList();

    [Test]
    public async Task Probing_someone_elses_task_never_revokes_it()
    {
        var (victim, attacker, taskId) = (NewVictim(), NewAttacker(), BrokerFixture.NewTaskId());
        var grant = await GrantAsync(victim, taskId);

        // A tool outside the attacker's policy, an allowed tool on a task not its own, and a malformed tool.
        foreach (var tool in new[] { "tickets.write", "tickets.read", "Tickets Read", "tickets.write" })
        {
            Refused(attacker, taskId, tool);
        }

        await AssertUntouchedAsync(victim, taskId, grant);
        var fired = (await AuditAsync(AuditKinds.Anomaly)).Where(e => e.WorkloadId == attacker).ToList();
        Assert.That(fired.Select(e => e.Evidence.GetValueOrDefault("rule")), Does.Contain("probing-by-workload"), "the probes count against the attacker");
        Assert.That(fired.Select(e => e.TaskId), Is.All.Empty, "no firing names the victim's task");
    }

    [Test]
    public async Task Probing_a_task_of_ones_own_still_revokes_it()
    {
        var (attacker, taskId) = (NewAttacker(), BrokerFixture.NewTaskId());
        await GrantAsync(attacker, taskId);
        for (var i = 0; i < 3; i++)
        {
            Refused(attacker, taskId, "tickets.write");
        }

        var task = await broker.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        Assert.That(task.RevokedAt, Is.Not.Null);
    }

    [Test]
    public async Task Naming_another_workloads_task_is_a_signal_about_the_caller()
    {
        var (victim, attacker, taskId) = (NewVictim(), NewAttacker(), BrokerFixture.NewTaskId());
        var grant = await GrantAsync(victim, taskId);
        for (var i = 0; i < 5; i++)
        {
            Refused(attacker, taskId, "tickets.read");
        }

        var quarantined = Refused(attacker, BrokerFixture.NewTaskId(), "tickets.read");
        Assert.That(quarantined.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(quarantined.Status.Detail, Does.Contain($"workload {attacker} is quarantined"));
        var fired = (await AuditAsync(AuditKinds.Anomaly)).Single(e => e.Evidence.GetValueOrDefault("rule") == "foreign-task");
        Assert.That(fired.WorkloadId, Is.EqualTo(attacker));
        Assert.That(fired.Evidence["task_owner"], Is.EqualTo(victim), "the audit keeps who owns the task");
        await AssertUntouchedAsync(victim, taskId, grant);
    }

    [Test]
    public async Task A_refusal_on_a_foreign_task_does_not_name_its_owner_but_the_audit_does()
    {
        var (victim, attacker, taskId) = (NewVictim(), NewAttacker(), BrokerFixture.NewTaskId());
        var grant = await GrantAsync(victim, taskId);

        var refused = Refused(attacker, taskId, "tickets.read");

        Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(refused.Status.Detail, Is.EqualTo($"task {taskId} is not yours"));
        Assert.That(refused.Status.Detail, Does.Not.Contain(victim));
        var recorded = (await AuditAsync(AuditKinds.GrantRefused)).Single(e => e.WorkloadId == attacker);
        Assert.That(recorded.Reason, Is.EqualTo($"task {taskId} belongs to workload {victim}"));
        await AssertUntouchedAsync(victim, taskId, grant);
    }

    private async Task<IntrospectResponse> IntrospectAsync(string token, string tool = HonestTool) =>
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As(tool));

    private async Task<RecordToolUseResponse> ReportAsync(string reporter, string grantId, string outcome, string presenter = "", string workload = "", string task = "", string tool = "tickets.read") =>
        await broker.Verify.RecordToolUseAsync(
            new RecordToolUseRequest { GrantId = grantId, Tool = tool, Action = "GET /tickets/7", Outcome = outcome, PresenterWorkloadId = presenter, WorkloadId = workload, TaskId = task },
            broker.As(reporter));

    [Test]
    public async Task A_rogue_tool_server_cannot_introspect_another_audiences_token()
    {
        var (victim, taskId) = (NewVictim(), BrokerFixture.NewTaskId());
        var grant = await GrantAsync(victim, taskId);

        var answer = await IntrospectAsync(grant.AccessToken, RogueTool);

        Assert.That(answer.Active, Is.False);
        Assert.That(answer.Sub, Is.Empty, "an inactive answer carries no claims (RFC 7662 section 2.2)");
        Assert.That(answer.Reason, Does.Contain("does not serve"));
        await AssertUntouchedAsync(victim, taskId, grant);
    }

    [Test]
    public async Task A_rogue_tool_servers_reports_on_another_audiences_grant_move_nothing()
    {
        var (victim, attacker, taskId) = (NewVictim(), NewAttacker(), BrokerFixture.NewTaskId());
        var grant = await GrantAsync(victim, taskId);

        var replayed = await ReportAsync(RogueTool, grant.GrantId, ToolUseReport.RejectedRevoked);
        var mismatch = await ReportAsync(RogueTool, grant.GrantId, "ok", presenter: attacker);

        Assert.That(replayed.AnomalyActions.Concat(mismatch.AnomalyActions), Is.Empty);
        await AssertUntouchedAsync(victim, taskId, grant);
        var recorded = (await AuditAsync(AuditKinds.ToolUse)).Where(e => e.GrantId == grant.GrantId).ToList();
        Assert.That(recorded, Has.Count.EqualTo(2), "the attempts are on record");
        Assert.That(recorded.Select(e => e.Caller), Is.All.EqualTo(RogueTool));
        Assert.That(recorded.Select(e => e.Evidence["grant"]), Is.All.Contains("which the reporter does not serve"));
    }

    [Test]
    public async Task A_rogue_tool_server_naming_a_workload_and_task_with_an_unknown_grant_moves_nothing()
    {
        var (victim, taskId) = (NewVictim(), BrokerFixture.NewTaskId());
        var grant = await GrantAsync(victim, taskId);

        var replayed = await ReportAsync(RogueTool, "g_unknown" + Guid.NewGuid().ToString("N")[..8], ToolUseReport.RejectedExpired, workload: victim, task: taskId);

        Assert.That(replayed.AnomalyActions, Is.Empty);
        await AssertUntouchedAsync(victim, taskId, grant);
    }

    [Test]
    public async Task A_tool_servers_report_on_its_own_audiences_grant_counts_against_that_grants_workload()
    {
        // The control for the two tests above: the rules are live, for the right reporter and subject.
        var (victim, attacker) = (NewVictim(), NewAttacker());
        var victimTask = BrokerFixture.NewTaskId();
        var victimGrant = await GrantAsync(victim, victimTask);
        var own = await GrantAsync(attacker, BrokerFixture.NewTaskId(), "rogue.ping");

        var replayed = await ReportAsync(RogueTool, own.GrantId, ToolUseReport.RejectedRevoked, workload: victim, task: victimTask, tool: "rogue.ping");

        Assert.That(replayed.AnomalyActions.Single(), Does.Contain($"workload {attacker} quarantined"), "the grant's own workload, not the one the report named");
        await AssertUntouchedAsync(victim, victimTask, victimGrant);
    }

    [Test]
    public async Task An_anomaly_report_naming_a_grant_counts_against_that_grant_and_an_unknown_grant_against_no_one()
    {
        var (victim, attacker, taskId) = (NewVictim(), NewAttacker(), BrokerFixture.NewTaskId());
        var grant = await GrantAsync(victim, taskId);
        var own = await GrantAsync(attacker, BrokerFixture.NewTaskId());
        var op = broker.As(TestPolicy.Operator);

        var unknown = await broker.Admin.ReportAnomalyAsync(new ReportAnomalyRequest { Kind = "exfiltration", GrantId = "g_unknown" + Guid.NewGuid().ToString("N")[..8], WorkloadId = victim, TaskId = taskId }, op);
        var misnamed = await broker.Admin.ReportAnomalyAsync(new ReportAnomalyRequest { Kind = "exfiltration", GrantId = own.GrantId, WorkloadId = victim }, op);

        Assert.That(unknown.Action, Does.Contain("nothing was counted"));
        Assert.That(misnamed.Action, Does.Contain($"workload {attacker} quarantined"));
        await AssertUntouchedAsync(victim, taskId, grant);
    }

    /// <summary>A key-directory insider: the broker's real signing key, claims of the attacker's choosing.</summary>
    private string Reforge(string token, Action<JsonObject> change)
    {
        var parts = token.Split('.');
        var claims = JsonNode.Parse(TokenParts.Decode(parts[1]))!.AsObject();
        change(claims);
        var key = broker.Services.GetRequiredService<SigningKeyRing>().Active;
        var input = parts[0] + "." + TokenParts.Encode(claims.ToJsonString());
        return input + "." + TokenParts.Encode(key.Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }

    [Test]
    public async Task Introspect_refuses_a_token_issued_in_the_future_or_differing_from_its_grant()
    {
        var (victim, taskId) = (NewVictim(), BrokerFixture.NewTaskId());
        var grant = await GrantAsync(victim, taskId);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var forged = new Dictionary<string, string>
        {
            ["same claims"] = Reforge(grant.AccessToken, _ => { }),
            ["iat in the future"] = Reforge(grant.AccessToken, c => (c["iat"], c["nbf"]) = (now + 120, now)),
            ["wider scope"] = Reforge(grant.AccessToken, c => c["scope"] = "tickets.read tickets.write"),
            ["other task"] = Reforge(grant.AccessToken, c => c["task_id"] = BrokerFixture.NewTaskId()),
            ["other subject"] = Reforge(grant.AccessToken, c => c["sub"] = NewVictim()),
        };
        var answers = new Dictionary<string, IntrospectResponse>();
        foreach (var (name, token) in forged)
        {
            answers[name] = await IntrospectAsync(token);
        }

        var moved = await IntrospectAsync(Reforge(grant.AccessToken, c => c["aud"] = "https://rogue.test"), RogueTool);
        Assert.Multiple(() =>
        {
            Assert.That(answers["same claims"].Active, Is.True, "the forge itself makes tokens Introspect accepts");
            Assert.That(answers["iat in the future"].Reason, Does.Contain("issued in the future"));
            foreach (var name in new[] { "iat in the future", "wider scope", "other task", "other subject" })
            {
                Assert.That(answers[name].Active, Is.False, name);
            }

            Assert.That(moved.Active, Is.False, "another audience");
            Assert.That(answers["wider scope"].Reason, Is.EqualTo("token does not match its grant record"));
        });
        await AssertUntouchedAsync(victim, taskId, grant);
    }

    [Test]
    public async Task An_attacker_cannot_release_the_victims_grant()
    {
        var (victim, attacker, taskId) = (NewVictim(), NewAttacker(), BrokerFixture.NewTaskId());
        var grant = await GrantAsync(victim, taskId);

        var refused = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = grant.GrantId }, broker.As(attacker)));

        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(refused.Status.Detail, Does.Not.Contain(victim));
        await AssertUntouchedAsync(victim, taskId, grant);
    }
}
