using CredBroker.Core.Policy;

namespace CredBroker.Core.Tests.Policy;

/// <summary>Every problem in a policy file is reported at once, each with its line; nothing unknown is ignored.</summary>
public sealed class PolicyLoaderTests
{
    private static IReadOnlyList<string> Problems(string yaml) =>
        Assert.Throws<PolicyLoadException>(() => PolicyLoader.Parse(yaml, "p.yaml"))!.Problems;

    [Test]
    public void Reads_risk_approval_conditions_purposes_and_limits()
    {
        var policy = PolicyLoader.Parse("""
            limits: { approvalTtl: 10m }
            tools:
              - name: db.write
                audience: https://db.example
                risk: high
                conditions:
                  - { context: environment, in: [staging, dev], name: staging-only }
                  - { timeUtc: "22:00-06:00", otherwise: approval }
              - { name: db.read, audience: https://db.example, risk: medium, requireApproval: true }
              - { name: db.admin, audience: https://db.example, risk: critical, approval: none }
            workloads:
              - id: spiffe://example.org/agents/data
                owner: team-data
                tools: [db.*]
                purposes: ["nightly *"]
                maxLiveGrants: 3
                rateLimit: 30/m
            """);

        var write = policy.Tools["db.write"];
        Assert.That((write.Risk, write.RequiresApproval), Is.EqualTo((ToolRisk.High, true)));
        Assert.That(write.Conditions.Select(c => (c.Name, c.Otherwise)), Is.EqualTo(new[] { ("staging-only", ConditionOutcome.Deny), ("time between 22:00 and 06:00 UTC", ConditionOutcome.RequireApproval) }));
        Assert.That(policy.Tools["db.read"].RequiresApproval, Is.True);
        Assert.That(policy.Tools["db.admin"].RequiresApproval, Is.False);
        var data = policy.Workloads[0];
        Assert.That((data.MaxLiveGrants, data.RateLimit, data.Purposes.Single().Text), Is.EqualTo((3, new RateLimit(30, TimeSpan.FromMinutes(1)), "nightly *")));
        Assert.That(policy.Limits.ApprovalTtl, Is.EqualTo(TimeSpan.FromMinutes(10)));
    }

    [Test]
    public void Unknown_keys_and_bad_values_are_each_reported_with_their_line()
    {
        var problems = Problems("""
            tools:
              - name: db.write
                audience: https://db.example
                risk: severe
                approval: maybe
                conditions:
                  - { context: environment, in: [staging], notIn: [prod] }
                  - { timeUtc: "8-18" }
                  - { context: environment }
                  - { context: environment, in: [a], colour: red }
            workloads:
              - id: spiffe://example.org/agents/data
                owner: team-data
                tools: [db.*]
                rateLimit: lots
                maxLiveGrants: -1
                purpose: [x]
            """);

        Assert.That(problems, Is.EquivalentTo(new[]
        {
            "p.yaml:4: tools[].risk: 'severe' is not low, medium, high or critical",
            "p.yaml:5: tools[].approval: 'maybe' is not required or none",
            "p.yaml:7: tools[].conditions[]: give in or notIn, not both",
            "p.yaml:8: tools[].conditions[].timeUtc: '8-18' is not a window such as 08:00-18:00 (24-hour UTC, start and end differ)",
            "p.yaml:9: tools[].conditions[]: a condition is either context with in or notIn, or timeUtc",
            "p.yaml:10: unknown key 'colour' (expected one of name, context, in, notIn, timeUtc, otherwise)",
            "p.yaml:15: workloads[].rateLimit: 'lots' is not a rate such as 30/m, 5/s or 100/h (window 1s to 1d)",
            "p.yaml:16: workloads[].maxLiveGrants: expected a whole number from 1 to 100000",
            "p.yaml:17: unknown key 'purpose' (expected one of name, id, owner, tools, maxTtl, requireOpenTask, purposes, maxLiveGrants, rateLimit, delegates)",
        }));
    }

    [Test]
    public void A_file_without_the_new_keys_keeps_its_meaning()
    {
        var policy = PolicyLoader.Parse("""
            tools: [{ name: a.b, audience: https://x.example }]
            workloads: [{ id: spiffe://example.org/w, owner: o, tools: [a.b] }]
            """);

        Assert.That((policy.Tools["a.b"].Risk, policy.Tools["a.b"].RequiresApproval, policy.Tools["a.b"].Conditions.Count), Is.EqualTo((ToolRisk.Low, false, 0)));
        Assert.That((policy.Workloads[0].MaxLiveGrants, policy.Workloads[0].RateLimit, policy.Workloads[0].Purposes.Count), Is.EqualTo(((int?)null, (RateLimit?)null, 0)));
        Assert.That(policy.Limits.ApprovalTtl, Is.EqualTo(TimeSpan.FromMinutes(15)));
    }
}
