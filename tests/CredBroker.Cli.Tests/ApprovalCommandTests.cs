using System.Text.Json;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;

namespace CredBroker.Cli.Tests;

/// <summary>credbroker approvals list/approve/deny and grant list against a real broker.</summary>
public sealed class ApprovalCommandTests
{
    private const string Agent = "spiffe://test.local/agents/data";
    private const string Approver = "spiffe://test.local/approver";
    private const string Operator = "spiffe://test.local/operator";

    private const string Policy = """
        version: 1
        tools:
          - { name: db.read, audience: https://db.test }
          - { name: db.drop, audience: https://db.test, risk: critical }
        workloads:
          - { name: data-agent, id: "spiffe://test.local/agents/data", owner: team-data, tools: [db.*] }
        roles:
          approver: [spiffe://test.local/approver]
          operator: [spiffe://test.local/operator]
        """;

    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync(policy: Policy);

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private Task<CliRun> RunAs(string spiffeId, params string[] args) => Credbroker.RunAsync(
        new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = broker.Address.ToString(), ["CREDBROKER_TOKEN"] = broker.IdentityToken(spiffeId) },
        null,
        args);

    [Test]
    public async Task An_approver_lists_and_approves_and_the_agent_collects_one_grant_an_operator_then_lists()
    {
        var taskId = BrokerFixture.NewTaskId();
        var request = new RequestGrantRequest { TaskId = taskId, Purpose = "nightly cleanup", Tools = { "db.drop" }, Context = { ["environment"] = "prod" } };
        var pending = (await broker.Grants.RequestGrantAsync(request, broker.As(Agent))).Pending;

        var list = await RunAs(Approver, "approvals", "list", "--output", "json");
        var approve = await RunAs(Approver, "approvals", "approve", pending.ApprovalId, "--comment", "planned");
        var grant = await broker.Grants.RequestGrantAsync(new RequestGrantRequest(request) { ApprovalId = pending.ApprovalId }, broker.As(Agent));
        var grants = await RunAs(Operator, "grant", "list", "--task", taskId);
        var denyTwice = await RunAs(Approver, "approvals", "deny", pending.ApprovalId);

        Assert.That(list.ExitCode, Is.Zero, list.ToString());
        using var doc = JsonDocument.Parse(list.Stdout);
        var held = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("approval_id").GetString() == pending.ApprovalId);
        Assert.That((held.GetProperty("workload_id").GetString(), held.GetProperty("owner").GetString(), held.GetProperty("task_id").GetString()), Is.EqualTo((Agent, "team-data", taskId)));
        Assert.That(held.GetProperty("context")[0].GetString(), Is.EqualTo("environment=prod"));
        Assert.That(approve.ExitCode, Is.Zero, approve.ToString());
        Assert.That(approve.Stdout, Does.Contain("approved").And.Contain(Approver));
        Assert.That(grants.ExitCode, Is.Zero, grants.ToString());
        Assert.That(grants.Stdout, Does.Contain(grant.Grant.GrantId).And.Contain("db.drop"));
        Assert.That(denyTwice.ExitCode, Is.EqualTo(1), denyTwice.ToString());
        Assert.That(denyTwice.Stderr, Does.Contain("already decided"));
    }
}
