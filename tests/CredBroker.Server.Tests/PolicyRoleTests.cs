using CredBroker.Core.Policy;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>One identity holds several roles only where the policy says so; otherwise the broker does not start.</summary>
public sealed class PolicyRoleTests
{
    private const string Tools = """
        version: 1
        tools:
          - name: tickets.read
            audience: https://tickets.test
        """;

    private static string Policy(string workloads, string roles) => Tools + "\n" + workloads + "\n" + roles;

    private const string SupportWorkload = """
        workloads:
          - name: support-agent
            id: spiffe://test.local/agents/support
            owner: team-support
            tools: [tickets.read]
        """;

    [TestCase("operator: [spiffe://test.local/ops/alice]\n  approver: [spiffe://test.local/ops/alice]", "roles.operator", "roles.approver")]
    [TestCase("operator: [spiffe://test.local/ops/*]\n  approver: [spiffe://test.local/ops/alice]", "roles.operator", "roles.approver")]
    [TestCase("tool: [spiffe://test.local/agents/*]", "workload 'support-agent' (role agent)", "roles.tool")]
    [TestCase("approver: [spiffe://test.local/agents/support]", "workload 'support-agent' (role agent)", "roles.approver")]
    public void An_identity_two_roles_take_in_stops_the_broker_naming_both_entries(string roles, string first, string second)
    {
        var error = Assert.ThrowsAsync<PolicyLoadException>(async () => await BrokerFixture.StartAsync(policy: Policy(SupportWorkload, "roles:\n  " + roles)));
        Assert.That(error!.Message, Does.Contain(first).And.Contain(second).And.Contain("roles.allowMultiple"));
    }

    [Test]
    public void Disjoint_patterns_in_one_trust_domain_do_not_overlap()
    {
        Assert.DoesNotThrowAsync(async () =>
        {
            await using var broker = await BrokerFixture.StartAsync(policy: Policy(SupportWorkload, "roles:\n  operator: [spiffe://test.local/ops/*]\n  tool: [spiffe://test.local/opsx/*]"));
        });
    }

    [Test]
    public async Task An_identity_in_allowMultiple_holds_each_of_its_roles()
    {
        const string alice = "spiffe://test.local/ops/alice";
        await using var broker = await BrokerFixture.StartAsync(policy: Policy(SupportWorkload, $"roles:\n  operator: [{alice}]\n  approver: [{alice}]\n  allowMultiple: [spiffe://test.local/ops/*]"));

        // Admitted past the role check on both sides: the operator's call succeeds, the approver's empty
        // request is refused for its input, not for the caller's role.
        Assert.DoesNotThrowAsync(async () => await broker.Admin.ListGrantsAsync(new ListGrantsRequest(), broker.As(alice)));
        var asApprover = Assert.ThrowsAsync<RpcException>(async () => await broker.Admin.DenyGrantAsync(new DenyGrantRequest(), broker.As(alice)));
        Assert.That(asApprover!.StatusCode, Is.Not.EqualTo(StatusCode.PermissionDenied), asApprover.Status.Detail);
        Assert.That(asApprover.Status.Detail, Does.Not.Contain("lacks role"));
    }

    [Test]
    public void allowMultiple_entries_must_be_SPIFFE_IDs_or_patterns()
    {
        var error = Assert.ThrowsAsync<PolicyLoadException>(async () => await BrokerFixture.StartAsync(policy: Policy(SupportWorkload, "roles:\n  allowMultiple: [alice]")));
        Assert.That(error!.Message, Does.Contain("roles.allowMultiple: 'alice' is not a SPIFFE ID"));
    }
}
