using System.Text.Json;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;

namespace CredBroker.Cli.Tests;

/// <summary>
/// The orchestrator's and operator's commands (task open/show, revoke workload/tool, kill switch) through the
/// real binary against a broker of their own: these rules are global, so they must not touch the broker other
/// fixtures share.
/// </summary>
[NonParallelizable]
public sealed class OperatorCommandTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    [TearDown]
    public async Task ReleaseTheKillSwitch()
    {
        await broker.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest(), broker.As(TestPolicy.Operator));
    }

    private Task<CliRun> Answering(string stdin, string spiffeId, params string[] args) => Credbroker.RunAsync(
        new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = broker.Address.ToString(), ["CREDBROKER_TOKEN"] = broker.IdentityToken(spiffeId) },
        stdin,
        args);

    private Task<CliRun> As(string spiffeId, params string[] args) => Credbroker.RunAsync(
        new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = broker.Address.ToString(), ["CREDBROKER_TOKEN"] = broker.IdentityToken(spiffeId) },
        null,
        args);

    private async Task<string> TokenAsync(string spiffeId, string taskId, string tool = "tickets.read")
    {
        var run = await As(spiffeId, "grant", "request", "--task", taskId, "--tool", tool, "--purpose", "answer the customer");
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        return run.Stdout.Trim();
    }

    private async Task<IntrospectResponse> IntrospectAsync(string token) =>
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As(TestPolicy.Tool));

    private static JsonElement Json(CliRun run)
    {
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        return document.RootElement.Clone();
    }

    [Test]
    public async Task Task_open_fences_the_task_and_task_show_reads_it_back()
    {
        var taskId = BrokerFixture.NewTaskId();
        var opened = Json(await As(
            TestPolicy.Orchestrator,
            "task", "open", taskId, "--workload", TestPolicy.Fenced, "--owner", "alice@example.com", "--purpose", "triage ticket 42",
            "--tool", "tickets.read", "--max-duration", "10m", "-o", "json"));

        Assert.Multiple(() =>
        {
            Assert.That(opened.GetProperty("state").GetString(), Is.EqualTo("open"));
            Assert.That(opened.GetProperty("workload_id").GetString(), Is.EqualTo(TestPolicy.Fenced));
            Assert.That(opened.GetProperty("tools").EnumerateArray().Select(t => t.GetString()), Is.EqualTo(new[] { "tickets.read" }));
            Assert.That(
                opened.GetProperty("deadline").GetDateTimeOffset() - opened.GetProperty("opened_at").GetDateTimeOffset(),
                Is.EqualTo(TimeSpan.FromMinutes(10)));
        });

        await TokenAsync(TestPolicy.Fenced, taskId);
        var outside = await As(TestPolicy.Fenced, "grant", "request", "--task", taskId, "--tool", "tickets.write", "--purpose", "triage ticket 42");
        Assert.That(outside.ExitCode, Is.EqualTo(1), outside.ToString());
        Assert.That(outside.Stderr, Does.Contain("tickets.write"));

        var shown = Json(await As(TestPolicy.Orchestrator, "task", "show", taskId, "-o", "json"));
        Assert.That(shown.GetProperty("live_grants").GetInt64(), Is.EqualTo(1));
        Assert.That(shown.GetProperty("owner").GetString(), Is.EqualTo("alice@example.com"));
    }

    [Test]
    public async Task Task_show_of_an_unknown_task_exits_1_with_not_found()
    {
        var run = await As(TestPolicy.Orchestrator, "task", "show", BrokerFixture.NewTaskId());

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stderr, Does.StartWith("error: NOT_FOUND: "));
    }

    [Test]
    public async Task Revoke_workload_with_quarantine_kills_its_tokens_and_refuses_new_grants()
    {
        var token = await TokenAsync(TestPolicy.OtherCoder, BrokerFixture.NewTaskId(), "repo.read");

        var revoked = Json(await As(TestPolicy.Operator, "revoke", "workload", TestPolicy.OtherCoder, "--quarantine", "1h", "--reason", "went rogue", "-o", "json"));

        Assert.That(revoked.GetProperty("workload_id").GetString(), Is.EqualTo(TestPolicy.OtherCoder));
        Assert.That((await IntrospectAsync(token)).Active, Is.False);
        var refused = await As(TestPolicy.OtherCoder, "grant", "request", "--task", BrokerFixture.NewTaskId(), "--tool", "repo.read", "--purpose", "p");
        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString());
        Assert.That(refused.Stderr, Does.StartWith("error: FAILED_PRECONDITION: ").And.Contain("quarantined"));
        Assert.That((await IntrospectAsync(await TokenAsync(TestPolicy.Coder, BrokerFixture.NewTaskId(), "repo.read"))).Active, Is.True, "another workload is untouched");
    }

    [Test]
    public async Task Revoke_tool_kills_every_token_carrying_it_and_no_other()
    {
        var admin = await TokenAsync(TestPolicy.Support, BrokerFixture.NewTaskId(), "tickets.write");
        var reader = await TokenAsync(TestPolicy.Support, BrokerFixture.NewTaskId(), "tickets.read");

        var run = await As(TestPolicy.Operator, "revoke", "tool", "tickets.write", "--for", "1h", "--reason", "tool compromised");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Stdout, Does.Match(@"(?m)^tool\s+tickets\.write$"));
        Assert.That(run.Stdout, Does.Match(@"(?m)^until\s+\d{4}-"));
        Assert.That((await IntrospectAsync(admin)).Active, Is.False);
        Assert.That((await IntrospectAsync(reader)).Active, Is.True);
        var refused = await As(TestPolicy.Support, "grant", "request", "--task", BrokerFixture.NewTaskId(), "--tool", "tickets.write", "--purpose", "p");
        Assert.That(refused.Stderr, Does.StartWith("error: FAILED_PRECONDITION: tool tickets.write was revoked"));

        var released = Json(await As(TestPolicy.Operator, "release", "tool", "tickets.write", "--reason", "patched", "-o", "json"));

        Assert.That(released.GetProperty("released").GetBoolean(), Is.True);
        Assert.That((await IntrospectAsync(await TokenAsync(TestPolicy.Support, BrokerFixture.NewTaskId(), "tickets.write"))).Active, Is.True);
    }

    [Test]
    public async Task Kill_switch_engage_asks_first_and_a_refusal_changes_nothing()
    {
        var token = await TokenAsync(TestPolicy.Support, BrokerFixture.NewTaskId());

        var run = await Answering("no\n", TestPolicy.Operator, "kill-switch", "engage", "--reason", "drill");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stderr, Does.Contain("Type 'yes'").And.Contain("not engaged"));
        Assert.That(Json(await As(TestPolicy.Operator, "kill-switch", "status", "-o", "json")).GetProperty("engaged").GetBoolean(), Is.False);
        Assert.That((await IntrospectAsync(token)).Active, Is.True);
    }

    [Test]
    public async Task Kill_switch_engage_kills_everything_until_release_and_old_tokens_stay_dead()
    {
        var before = await TokenAsync(TestPolicy.Support, BrokerFixture.NewTaskId());

        var engaged = Json(await Answering("yes\n", TestPolicy.Operator, "kill-switch", "engage", "--reason", "incident 7", "-o", "json"));

        Assert.That(engaged.GetProperty("engaged").GetBoolean(), Is.True);
        Assert.That(engaged.GetProperty("engaged_by").GetString(), Is.EqualTo(TestPolicy.Operator));
        Assert.That((await IntrospectAsync(before)).Active, Is.False);
        var refused = await As(TestPolicy.Support, "grant", "request", "--task", BrokerFixture.NewTaskId(), "--tool", "tickets.read", "--purpose", "p");
        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString());
        Assert.That(refused.Stderr, Does.Contain("kill switch engaged"));

        var released = Json(await As(TestPolicy.Operator, "kill-switch", "release", "--reason", "all clear", "-o", "json"));
        Assert.That(released.GetProperty("engaged").GetBoolean(), Is.False);
        Assert.That(released.GetProperty("released_at").GetDateTimeOffset(), Is.GreaterThanOrEqualTo(engaged.GetProperty("engaged_at").GetDateTimeOffset()));
        Assert.That((await IntrospectAsync(before)).Active, Is.False, "a token issued before release stays dead");
        Assert.That((await IntrospectAsync(await TokenAsync(TestPolicy.Support, BrokerFixture.NewTaskId()))).Active, Is.True);
    }

    [Test]
    public async Task Kill_switch_engage_with_yes_does_not_ask_and_needs_the_operator_role()
    {
        var denied = await As(TestPolicy.Support, "kill-switch", "engage", "--reason", "x", "--yes");
        Assert.That(denied.ExitCode, Is.EqualTo(1), denied.ToString());
        Assert.That(denied.Stderr, Does.Contain("lacks role operator"));

        var run = await As(TestPolicy.Operator, "kill-switch", "engage", "--reason", "runbook step 1", "--yes");
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Stderr, Does.Not.Contain("Type 'yes'"));
        Assert.That(run.Stdout, Does.Match(@"(?m)^engaged\s+true$"));
    }
}
