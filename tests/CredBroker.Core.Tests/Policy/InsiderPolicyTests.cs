using CredBroker.Core.Anomalies;
using CredBroker.Core.Policy;

namespace CredBroker.Core.Tests.Policy;

/// <summary>Policy that would let one insider act on what is not theirs is refused when it is loaded.</summary>
public sealed class InsiderPolicyTests
{
    private const string Catalogue = """
        tools:
          - { name: db.read, audience: https://db.example }
        workloads:
          - { id: spiffe://example.org/agents/data, owner: team-data, tools: [db.read] }

        """;

    private static IReadOnlyList<string> Problems(string yaml) =>
        Assert.Throws<PolicyLoadException>(() => PolicyLoader.Parse(yaml, "p.yaml"))!.Problems;

    [Test]
    public void A_foreignTask_rule_counts_per_workload_by_default()
    {
        var policy = PolicyLoader.Parse(Catalogue + """
            anomalies:
              - { name: nosy, signal: foreignTask, threshold: 2, window: 10m, action: quarantineWorkload, quarantine: 5m }
            """);

        var rule = policy.Anomalies.Single();
        Assert.That((rule.Signal, rule.Per), Is.EqualTo((AnomalySignal.ForeignTask, AnomalyScope.Workload)));
    }

    [Test]
    public void A_foreignTask_rule_per_task_is_refused()
    {
        var problems = Problems(Catalogue + """
            anomalies:
              - { name: nosy, signal: foreignTask, per: task, threshold: 2, window: 10m, action: deny }
            """);

        Assert.That(problems.Single(), Does.Contain("signal foreignTask counts per workload"));
    }

    [TestCase("scopeProbing")]
    [TestCase("foreignTask")]
    public void RevokeTool_on_a_signal_whose_tools_the_caller_chose_is_refused(string signal)
    {
        var problems = Problems(Catalogue + $$"""
            anomalies:
              - { name: probe, signal: {{signal}}, per: workload, threshold: 2, window: 10m, action: revokeTool }
            """);

        Assert.That(problems.Single(), Does.Contain("action revokeTool would revoke tools the caller only asked for"));
    }

    [Test]
    public void Audiences_name_the_tool_servers_that_serve_them()
    {
        var policy = PolicyLoader.Parse(Catalogue + """
            audiences:
              https://db.example: { servers: [spiffe://example.org/tools/db, spiffe://example.org/tools/replicas/*] }
            """);

        Assert.Multiple(() =>
        {
            Assert.That(policy.Serves("spiffe://example.org/tools/db", "https://db.example"), Is.True);
            Assert.That(policy.Serves("spiffe://example.org/tools/replicas/r1", "https://db.example"), Is.True);
            Assert.That(policy.Serves("spiffe://example.org/tools/git", "https://db.example"), Is.False);
            Assert.That(policy.Serves("spiffe://example.org/tools/db", "https://git.example"), Is.False);
        });
    }

    [Test]
    public void Without_an_audiences_section_no_tool_server_serves_any_audience() =>
        Assert.That(PolicyLoader.Parse(Catalogue).Serves("spiffe://example.org/tools/db", "https://db.example"), Is.False);

    [Test]
    public void Bad_audiences_are_each_reported()
    {
        var problems = Problems(Catalogue + """
            audiences:
              https://db.example: { servers: [tools/db], colour: red }
              https://nowhere.example: { servers: [spiffe://example.org/tools/x] }
              https://empty.example: {}
            """);

        Assert.That(problems, Has.Some.Contains("'tools/db' is not a SPIFFE ID"));
        Assert.That(problems, Has.Some.Contains("unknown key 'colour'"));
        Assert.That(problems, Has.Some.Contains("'https://nowhere.example' is the audience of no tool"));
        Assert.That(problems, Has.Some.Contains("'https://empty.example' needs servers"));
    }
}
