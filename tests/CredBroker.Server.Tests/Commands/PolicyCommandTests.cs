using System.Text.Json;
using CredBroker.Testing.Processes;

namespace CredBroker.Server.Tests;

/// <summary>credbroker-server policy check | test | explain, run as a process against files, offline (no broker runs).</summary>
public sealed class PolicyCommandTests
{
    private string directory = null!;

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("credbroker-policy-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    private static string Samples(string file)
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CredBroker.sln")))
            {
                return Path.Combine(dir.FullName, "samples", "policy", file);
            }
        }

        throw new FileNotFoundException("repository root not found above the test directory");
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Test]
    public async Task The_sample_fleet_policy_passes_its_own_cases()
    {
        var run = await BrokerExecutable.RunAsync("policy", "test", Samples("fleet.yaml"), Samples("fleet.cases.yaml"));

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Stdout, Does.Contain(" passed, 0 failed"));
        Assert.That(run.Stdout, Does.Not.Contain("FAIL"));
    }

    [Test]
    public async Task Check_prints_each_problem_with_its_line_and_exits_1()
    {
        var bad = Write("bad.yaml", """
            tools:
              - { name: tickets.read, audience: https://t.example, risk: extreme }
            workloads:
              - { id: spiffe://example.org/a, owner: o, tools: [tickets.read], rateLimit: often }
            """);

        var invalid = await BrokerExecutable.RunAsync("policy", "check", bad);
        var valid = await BrokerExecutable.RunAsync("policy", "check", Samples("fleet.yaml"));

        Assert.That(invalid.ExitCode, Is.EqualTo(1), invalid.ToString());
        Assert.That(invalid.Stderr, Does.Contain($"{bad}:2: tools[].risk: 'extreme' is not low, medium, high or critical"));
        Assert.That(invalid.Stderr, Does.Contain($"{bad}:4: workloads[].rateLimit: 'often'"));
        Assert.That(valid.ExitCode, Is.Zero, valid.ToString());
        Assert.That(valid.Stdout, Does.Contain("valid (8 tools, 3 workloads)"));
    }

    [Test]
    public async Task Test_exits_1_on_a_mismatch_and_reports_it_as_json()
    {
        var cases = Write("cases.yaml", """
            cases:
              - name: support writes in prod
                input: { workload: spiffe://example.com/agents/support, purpose: answer ticket 1, tools: [tickets.write], context: { environment: prod } }
                expect: { decision: allow }
              - name: support reads
                input: { workload: spiffe://example.com/agents/support, purpose: answer ticket 1, tools: [tickets.read] }
                expect: { decision: allow, ttl: 5m }
            """);

        var table = await BrokerExecutable.RunAsync("policy", "test", Samples("fleet.yaml"), cases);
        var json = await BrokerExecutable.RunAsync("policy", "test", Samples("fleet.yaml"), cases, "--output", "json");

        Assert.That(table.ExitCode, Is.EqualTo(1), table.ToString());
        Assert.That(table.Stdout, Does.Contain("FAIL  support writes in prod  expected allow, got deny: policy rule 'ticket-writes-only-in-staging' denied tool 'tickets.write'"));
        Assert.That(table.Stdout, Does.Contain("1 passed, 1 failed"));
        Assert.That(json.ExitCode, Is.EqualTo(1));
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.That(doc.RootElement.GetProperty("failed").GetInt32(), Is.EqualTo(1));
        var first = doc.RootElement.GetProperty("cases")[0];
        Assert.That((first.GetProperty("passed").GetBoolean(), first.GetProperty("decision").GetString(), first.GetProperty("line").GetInt32()), Is.EqualTo((false, "deny", 2)));
    }

    [Test]
    public async Task Test_refuses_a_cases_file_with_unknown_keys_as_a_usage_error()
    {
        var cases = Write("cases.yaml", """
            cases:
              - name: typo
                input: { workload: spiffe://example.com/agents/support, tool: [tickets.read] }
                expect: { decision: allow }
            """);

        var run = await BrokerExecutable.RunAsync("policy", "test", Samples("fleet.yaml"), cases);

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Stderr, Does.Contain($"{cases}:3: unknown key 'tool'"));
    }

    [Test]
    public async Task Explain_prints_the_decision_and_the_rules_behind_it()
    {
        var allow = await BrokerExecutable.RunAsync("policy", "explain", Samples("fleet.yaml"), "--workload", "spiffe://example.com/agents/data", "--tool", "warehouse.query",
            "--purpose", "nightly rollup", "--context", "data_classification=internal", "--ttl", "1h", "--output", "json");
        var approval = await BrokerExecutable.RunAsync("policy", "explain", Samples("fleet.yaml"), "--workload", "spiffe://example.com/agents/data", "--tool", "warehouse.query",
            "--purpose", "nightly rollup", "--context", "data_classification=restricted");

        Assert.That(allow.ExitCode, Is.Zero, allow.ToString());
        using var doc = JsonDocument.Parse(allow.Stdout);
        Assert.That(doc.RootElement.GetProperty("decision").GetString(), Is.EqualTo("allow"));
        Assert.That(doc.RootElement.GetProperty("ttl").GetString(), Is.EqualTo("15m"));
        var reasons = doc.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.That(reasons, Has.Some.EqualTo("workload rule 'data-agent' allows tool 'warehouse.query' (warehouse.*)"));
        Assert.That(reasons, Has.Some.EqualTo("ttl 15m set by limits.maxTtl"));
        Assert.That(approval.Stdout, Does.Contain("needs-approval"));
        Assert.That(approval.Stdout, Does.Contain("restricted-data-needs-approval"));
    }

    [Test]
    public async Task Policy_explain_prints_one_reason_per_line()
    {
        var fleet = Path.Combine(Credbroker.RepositoryRoot(), "samples", "policy", "fleet.yaml");

        var run = await BrokerExecutable.RunAsync("policy", "explain", fleet, "--workload", "spiffe://example.com/agents/data", "--tool", "warehouse.query",
            "--purpose", "nightly rollup", "--context", "data_classification=internal", "--ttl", "1h");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Some.EqualTo("reasons:"));
        Assert.That(lines, Has.Some.EqualTo("  - workload rule 'data-agent' allows tool 'warehouse.query' (warehouse.*)"));
        Assert.That(lines, Has.Some.EqualTo("  - ttl 15m set by limits.maxTtl"));
    }
}
