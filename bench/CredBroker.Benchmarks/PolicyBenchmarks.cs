using BenchmarkDotNet.Attributes;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;

namespace CredBroker.Benchmarks;

/// <summary>
/// One grant decision on the sample fleet policy (<c>samples/policy/fleet.yaml</c>): the data agent, the
/// last workload in the file, asking for a query with a purpose pattern and a context condition to
/// check (allowed), and for a tool outside its list (denied).
/// </summary>
public class PolicyBenchmarks
{
    private BrokerPolicy policy = null!;
    private GrantRequest allowed = null!;
    private GrantRequest denied = null!;
    private DateTimeOffset now;

    /// <summary>The policy file measured.</summary>
    public static string PolicyFile => RepositoryFile("samples/policy/fleet.yaml")
        ?? throw new FileNotFoundException("run from inside the repository: samples/policy/fleet.yaml was not found");

    [GlobalSetup]
    public void Setup()
    {
        var file = PolicyFile;
        now = DateTimeOffset.UtcNow;
        Console.WriteLine($"// policy: {file}");
        policy = PolicyLoader.LoadFile(file);
        var context = new Dictionary<string, string> { ["data_classification"] = "internal" };
        allowed = new GrantRequest("spiffe://example.com/agents/data", "t-policy-bench", "nightly export", ["warehouse.query"], TimeSpan.FromMinutes(2), context);
        denied = allowed with { Tools = ["tickets.read"] };
        if (PolicyEvaluator.Evaluate(policy, allowed, now) is not PolicyDecision.Allow)
        {
            throw new InvalidOperationException($"the benchmark's allowed request is not allowed by {file}");
        }

        if (PolicyEvaluator.Evaluate(policy, denied, now) is not PolicyDecision.Deny)
        {
            throw new InvalidOperationException($"the benchmark's denied request is not denied by {file}");
        }
    }

    [Benchmark(Baseline = true, Description = "evaluate: allowed")]
    public PolicyDecision Allowed() => PolicyEvaluator.Evaluate(policy, allowed, now);

    [Benchmark(Description = "evaluate: denied")]
    public PolicyDecision Denied() => PolicyEvaluator.Evaluate(policy, denied, now);

    private static string? RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
