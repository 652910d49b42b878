using BenchmarkDotNet.Attributes;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;

namespace CredBroker.Benchmarks;

/// <summary>
/// One grant decision on the sample fleet policy (<c>samples/policy/fleet.yaml</c>; the dev policy
/// while the sample is not in the repository): an allowed request and a denied one.
/// </summary>
public class PolicyBenchmarks
{
    private BrokerPolicy policy = null!;
    private GrantRequest allowed = null!;
    private GrantRequest denied = null!;
    private DateTimeOffset now;

    /// <summary>Which policy file was measured, printed once at setup.</summary>
    public static string PolicyFile => RepositoryFile("samples/policy/fleet.yaml") ?? RepositoryFile("src/CredBroker.Server/dev-policy.yaml")
        ?? throw new FileNotFoundException("run from inside the repository: neither samples/policy/fleet.yaml nor src/CredBroker.Server/dev-policy.yaml was found");

    [GlobalSetup]
    public void Setup()
    {
        var file = PolicyFile;
        now = DateTimeOffset.UtcNow;
        Console.WriteLine($"// policy: {file}");
        policy = PolicyLoader.LoadFile(file);
        // The last workload and one of its tools: the evaluator walks the whole list to find it.
        var workload = policy.Workloads[^1];
        var tool = policy.Tools.Keys.First(workload.MayUse);
        var stranger = policy.Tools.Keys.FirstOrDefault(t => !workload.MayUse(t) && policy.Tools[t].Audience == policy.Tools[tool].Audience) ?? tool;
        var id = Concrete(workload.Id.ToString());
        allowed = new GrantRequest(id, "t-policy-bench", "triage", [tool], TimeSpan.FromMinutes(2), new Dictionary<string, string>());
        denied = allowed with { Tools = [stranger] };
        if (PolicyEvaluator.Evaluate(policy, allowed, now) is not PolicyDecision.Allow)
        {
            throw new InvalidOperationException($"the benchmark request for {id} / {tool} is not allowed by {file}");
        }
    }

    [Benchmark(Baseline = true, Description = "evaluate: allowed")]
    public PolicyDecision Allowed() => PolicyEvaluator.Evaluate(policy, allowed, now);

    [Benchmark(Description = "evaluate: denied")]
    public PolicyDecision Denied() => PolicyEvaluator.Evaluate(policy, denied, now);

    /// <summary>A workload id matching a pattern such as <c>spiffe://dev.local/agents/coding/*</c>.</summary>
    private static string Concrete(string pattern) => pattern.Replace("*", "bench", StringComparison.Ordinal);

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
