using CredBroker.Core.Anomalies;
using CredBroker.Core.Policy;

namespace CredBroker.Core.Tests.Audit;

public sealed class AnomalyPolicyTests
{
    private const string Base = """
        version: 1
        tools:
          - name: tickets.read
            audience: https://tickets.test
        workloads:
          - id: spiffe://test.local/agents/support
            owner: team-support
            tools: [tickets.read]
        """;

    [Test]
    public void A_rule_is_read_with_its_threshold_window_and_action()
    {
        var policy = PolicyLoader.Parse(Base + """

            anomalies:
              - name: replay
                signal: revokedTokenUse
                per: workload
                threshold: 2
                window: 10m
                action: quarantineWorkload
                quarantine: 1h
            """);
        Assert.That(policy.Anomalies, Is.EqualTo(new[]
        {
            new AnomalyRule("replay", AnomalySignal.RevokedTokenUse, AnomalyScope.Workload, 2, TimeSpan.FromMinutes(10), AnomalyAction.QuarantineWorkload, TimeSpan.FromHours(1)),
        }));
    }

    [Test]
    public void A_policy_without_the_section_has_no_rules() => Assert.That(PolicyLoader.Parse(Base).Anomalies, Is.Empty);

    [Test]
    public void Bad_rules_are_refused_with_their_lines()
    {
        var error = Assert.Throws<PolicyLoadException>(() => PolicyLoader.Parse(Base + """

            anomalies:
              - name: probe
                signal: probing
                threshold: 0
                window: 1m
                action: revokeTask
              - name: q
                signal: grantRate
                threshold: 5
                window: 1m
                action: quarantineWorkload
                kind: x
                colour: red
            """));
        Assert.That(error!.Problems, Has.Some.Match("policy:11: anomalies\\[\\].signal: 'probing' is not one of scopeProbing"));
        Assert.That(error.Problems, Has.Some.StartsWith("policy:12: anomalies[].threshold"));
        Assert.That(error.Problems, Has.Some.Contains("action quarantineWorkload needs a quarantine duration"));
        Assert.That(error.Problems, Has.Some.Contains("kind applies only to signal reported"));
        Assert.That(error.Problems, Has.Some.Contains("unknown key 'colour'"));
    }
}
