using CredBroker.Core.Policy;

namespace CredBroker.Core.Tests.Policy;

/// <summary>The delegation keys of a policy file: who may hand work to whom, how deep, which tools never leave.</summary>
public sealed class DelegationPolicyTests
{
    [Test]
    public void Reads_delegates_maxDelegationDepth_and_delegable()
    {
        var policy = PolicyLoader.Parse("""
            limits: { maxDelegationDepth: 1 }
            tools:
              - { name: crm.read, audience: https://crm.example }
              - { name: crm.export, audience: https://crm.example, delegable: false }
            workloads:
              - id: spiffe://example.org/agents/a
                owner: team-a
                tools: [crm.*]
                delegates: [spiffe://example.org/subagents/*]
            """, "p.yaml");

        Assert.That(policy.Limits.MaxDelegationDepth, Is.EqualTo(1));
        Assert.That((policy.Tools["crm.read"].Delegable, policy.Tools["crm.export"].Delegable), Is.EqualTo((true, false)));
        var a = policy.Workloads[0];
        Assert.That(a.MayDelegateTo("spiffe://example.org/subagents/b"), Is.True);
        Assert.That(a.MayDelegateTo("spiffe://example.org/agents/b"), Is.False);
    }

    [Test]
    public void Without_the_keys_nobody_delegates_and_the_depth_is_3()
    {
        var policy = PolicyLoader.Parse("""
            tools: [{ name: crm.read, audience: https://crm.example }]
            workloads: [{ id: spiffe://example.org/agents/a, owner: team-a, tools: [crm.read] }]
            """, "p.yaml");

        Assert.That(policy.Limits.MaxDelegationDepth, Is.EqualTo(3));
        Assert.That(policy.Workloads[0].MayDelegateTo("spiffe://example.org/agents/a"), Is.False);
    }

    [Test]
    public void A_delegate_that_is_not_a_spiffe_pattern_and_a_depth_out_of_range_are_reported()
    {
        var problems = Assert.Throws<PolicyLoadException>(() => PolicyLoader.Parse("""
            limits: { maxDelegationDepth: 99 }
            tools: [{ name: crm.read, audience: https://crm.example, delegable: sometimes }]
            workloads: [{ id: spiffe://example.org/agents/a, owner: team-a, tools: [crm.read], delegates: ["https://evil.example/*"] }]
            """, "p.yaml"))!.Problems;

        Assert.That(problems, Has.Some.Contains("limits.maxDelegationDepth"));
        Assert.That(problems, Has.Some.Contains("tools[].delegable"));
        Assert.That(problems, Has.Some.Contains("workloads[].delegates: 'https://evil.example/*'"));
    }
}
