using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;

namespace CredBroker.Cli.Tests;

/// <summary>The real credbroker binary against a real broker: output, exit codes, and the messages people read.</summary>
public sealed class CliTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    /// <summary>Runs credbroker as <paramref name="spiffeId"/>, the way a script would: address and token from the environment.</summary>
    private Task<CliRun> As(string spiffeId, params string[] args) => Credbroker.RunAsync(
        new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = broker.Address.ToString(), ["CREDBROKER_TOKEN"] = broker.IdentityToken(spiffeId) },
        null,
        args);

    private Task<CliRun> RequestTicketsAsync(string taskId, params string[] extra) =>
        As(TestPolicy.Support, ["grant", "request", "--task", taskId, "--tool", "tickets.read", "--purpose", "answer the customer", .. extra]);

    private async Task<IntrospectResponse> IntrospectAsync(string token) =>
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As(TestPolicy.Tool));

    [Test]
    public async Task Grant_request_prints_the_token_alone_on_its_line_and_the_token_is_active()
    {
        var taskId = BrokerFixture.NewTaskId();
        var run = await RequestTicketsAsync(taskId, "--ttl", "90s");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), run.ToString());
        var introspection = await IntrospectAsync(lines[0].Trim());
        Assert.That(introspection.Active, Is.True, introspection.Reason);
        Assert.That(introspection.TaskId, Is.EqualTo(taskId));
        Assert.That(introspection.Exp.Seconds - introspection.Iat.Seconds, Is.EqualTo(90));
    }

    [Test]
    public async Task Grant_request_with_output_json_prints_the_whole_grant()
    {
        var taskId = BrokerFixture.NewTaskId();
        var run = await As(TestPolicy.Support, "grant", "request", "--task", taskId, "--tool", "tickets.read", "--tool", "tickets.write", "--purpose", "answer the customer's mail", "--output", "json");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var grant = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(grant.GetProperty("grant_id").GetString(), Does.StartWith("g_"));
            Assert.That(grant.GetProperty("task_id").GetString(), Is.EqualTo(taskId));
            Assert.That(grant.GetProperty("workload_id").GetString(), Is.EqualTo(TestPolicy.Support));
            Assert.That(grant.GetProperty("tools").EnumerateArray().Select(t => t.GetString()), Is.EqualTo(new[] { "tickets.read", "tickets.write" }));
            Assert.That(grant.GetProperty("audience").GetString(), Is.EqualTo("https://tickets.test"));
            Assert.That(grant.GetProperty("expires_at").GetDateTimeOffset(), Is.GreaterThan(grant.GetProperty("issued_at").GetDateTimeOffset()));
        });
        Assert.That((await IntrospectAsync(grant.GetProperty("access_token").GetString()!)).Jti, Is.EqualTo(grant.GetProperty("grant_id").GetString()));
    }

    [Test]
    public async Task Task_revoke_makes_the_token_inactive_and_introspect_then_exits_1_with_the_reason()
    {
        var taskId = BrokerFixture.NewTaskId();
        var token = (await RequestTicketsAsync(taskId)).Stdout.Trim();

        var active = await As(TestPolicy.Tool, "token", "introspect", token);
        var revoke = await As(TestPolicy.Orchestrator, "task", "revoke", taskId, "--reason", "task finished", "--output", "json");
        var inactive = await As(TestPolicy.Tool, "token", "introspect", token);

        Assert.That(active.ExitCode, Is.Zero, active.ToString());
        Assert.That(active.Stdout, Does.StartWith("active\n").And.Contain($"task_id     {taskId}"));
        Assert.That(revoke.ExitCode, Is.Zero, revoke.ToString());
        Assert.That(JsonDocument.Parse(revoke.Stdout).RootElement.GetProperty("revoked_grants").GetInt64(), Is.EqualTo(1));
        Assert.That(inactive.ExitCode, Is.EqualTo(1), inactive.ToString());
        Assert.That(inactive.Stdout, Does.StartWith($"inactive: task {taskId} was revoked at "));
    }

    [Test]
    public async Task Introspect_reads_the_token_from_stdin_and_prints_json_claims()
    {
        var taskId = BrokerFixture.NewTaskId();
        var token = (await RequestTicketsAsync(taskId)).Stdout.Trim();

        var run = await Credbroker.RunAsync(
            new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = broker.Address.ToString(), ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Tool) },
            token + "\n",
            "token", "introspect", "-", "-o", "json");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var claims = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.That(claims.GetProperty("active").GetBoolean(), Is.True);
        Assert.That(claims.GetProperty("task_id").GetString(), Is.EqualTo(taskId));
        Assert.That(claims.GetProperty("sub").GetString(), Is.EqualTo(TestPolicy.Support));
        Assert.That(claims.GetProperty("scope").GetString(), Is.EqualTo("tickets.read"));
    }

    [Test]
    public async Task Grant_release_and_revoke_grant_make_their_tokens_inactive()
    {
        var released = JsonDocument.Parse((await RequestTicketsAsync(BrokerFixture.NewTaskId(), "-o", "json")).Stdout).RootElement;
        var revoked = JsonDocument.Parse((await RequestTicketsAsync(BrokerFixture.NewTaskId(), "-o", "json")).Stdout).RootElement;

        var release = await As(TestPolicy.Support, "grant", "release", released.GetProperty("grant_id").GetString()!);
        var revoke = await As(TestPolicy.Operator, "revoke", "grant", revoked.GetProperty("grant_id").GetString()!, "--reason", "suspicious use");

        Assert.That(release.ExitCode, Is.Zero, release.ToString());
        Assert.That(release.Stdout, Does.Contain("released_at"));
        Assert.That(revoke.ExitCode, Is.Zero, revoke.ToString());
        Assert.That(revoke.Stdout, Does.Contain("revoked_grants  1"));
        Assert.That((await IntrospectAsync(released.GetProperty("access_token").GetString()!)).Active, Is.False);
        Assert.That((await IntrospectAsync(revoked.GetProperty("access_token").GetString()!)).Active, Is.False);
    }

    [Test]
    public async Task Bad_input_exits_1_and_names_the_field_on_stderr()
    {
        var run = await As(TestPolicy.Support, "grant", "request", "--task", BrokerFixture.NewTaskId(), "--tool", "Not A Tool", "--purpose", "answer");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stdout, Is.Empty);
        Assert.That(run.Stderr.Trim(), Does.StartWith("error: INVALID_ARGUMENT: tools[0]: not a tool name"));
    }

    [Test]
    public async Task A_policy_denial_exits_1_with_the_brokers_reason()
    {
        var run = await As(TestPolicy.Support, "grant", "request", "--task", BrokerFixture.NewTaskId(), "--tool", "repo.read", "--purpose", "answer");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stderr, Does.StartWith("error: PERMISSION_DENIED: ").And.Contain("repo.read"));
    }

    [Test]
    public async Task A_caller_without_the_role_exits_1()
    {
        var run = await As(TestPolicy.Support, "task", "revoke", BrokerFixture.NewTaskId());

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stderr, Does.Contain("lacks role orchestrator"));
    }

    [Test]
    public async Task An_unreachable_broker_exits_3_naming_the_address()
    {
        var address = $"http://127.0.0.1:{ClosedPort()}";
        var run = await Credbroker.RunAsync("grant", "request", "--task", "t-1", "--tool", "tickets.read", "--purpose", "p", "--address", address, "--token", "x");

        Assert.That(run.ExitCode, Is.EqualTo(3), run.ToString());
        Assert.That(run.Stderr, Does.StartWith("error: UNAVAILABLE: cannot reach the broker at " + address));
    }

    [TestCase(new[] { "grant", "request", "--task", "t-1", "--purpose", "p" }, "Option '--tool' is required")]
    [TestCase(new[] { "grant", "request", "--task", "t-1", "--tool", "a.b", "--purpose", "p", "--ttl", "5 minutes" }, "--ttl: '5 minutes' is not a duration")]
    [TestCase(new[] { "grant", "request", "--task", "t-1", "--tool", "a.b", "--purpose", "p", "-o", "yaml" }, "yaml")]
    [TestCase(new[] { "grant", "request", "--task", "t-1", "--tool", "a.b", "--purpose", "p" }, "no identity token")]
    [TestCase(new[] { "task", "revoke", "t-1", "--token", "x", "--token-file", "/tmp/x" }, "not both")]
    [TestCase(new[] { "task", "revoke", "t-1", "--token", "x", "--address", "broker:5080" }, "--address")]
    [TestCase(new[] { "task", "revoke", "t-1", "--token", "x", "--address", "http://broker.internal:5080" }, "pass --allow-cleartext")]
    [TestCase(new[] { "task", "revoke", "t-1", "--token-file", "/nonexistent/identity.jwt" }, "cannot read the identity token")]
    [TestCase(new[] { "grant" }, "Required command was not provided")]
    [TestCase(new[] { "frobnicate" }, "frobnicate")]
    [TestCase(new[] { "policy", "check", "policy.yaml" }, "run: credbroker-server policy check policy.yaml")]
    public async Task Usage_errors_exit_2_before_anything_is_sent(string[] args, string message)
    {
        var run = await Credbroker.RunAsync(args);

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Stderr, Does.Contain(message));
    }

    [Test]
    public async Task Help_exits_0_on_every_command()
    {
        string[][] commands =
        [
            [], ["grant"], ["grant", "request"], ["grant", "release"], ["task"], ["task", "revoke"],
            ["revoke"], ["revoke", "grant"], ["token"], ["token", "introspect"],
            ["task", "open"], ["task", "show"], ["revoke", "workload"], ["revoke", "tool"],
            ["kill-switch"], ["kill-switch", "engage"], ["kill-switch", "release"], ["kill-switch", "status"],
        ];
        var runs = await Task.WhenAll(commands.Select(c => Credbroker.RunAsync([.. c, "--help"])));
        for (var i = 0; i < commands.Length; i++)
        {
            Assert.That(runs[i].ExitCode, Is.Zero, $"{string.Join(' ', commands[i])} --help: {runs[i]}");
            Assert.That(runs[i].Stdout, Does.Contain("Usage:").And.Contain("credbroker " + string.Join(' ', commands[i])));
        }

        Assert.That(runs[2].Stdout, Does.Contain("--ttl").And.Contain("CREDBROKER_ADDRESS"));
    }

    [Test]
    public async Task A_token_file_and_a_flag_address_work_like_the_environment()
    {
        var file = Path.Combine(broker.Directory, $"identity-{Guid.NewGuid():N}.jwt");
        await File.WriteAllTextAsync(file, broker.IdentityToken(TestPolicy.Support));

        var run = await Credbroker.RunAsync("grant", "request", "--task", BrokerFixture.NewTaskId(), "--tool", "tickets.read", "--purpose", "answer", "--address", broker.Address.ToString(), "--token-file", file, "-o", "table");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Stdout, Does.Match(@"(?m)^grant_id\s+g_").And.Match(@"(?m)^expires_at\s+\d{4}-\d\d-\d\dT.*Z \(in "));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
