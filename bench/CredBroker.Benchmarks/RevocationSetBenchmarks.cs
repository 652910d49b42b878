using BenchmarkDotNet.Attributes;
using CredBroker.Core.Revocation;
using CredBroker.Core.Tokens;

namespace CredBroker.Benchmarks;

/// <summary>
/// Checking a token against the rules in force, with 10 and with 10,000 of them (target: within 1.2×,
/// i.e. O(1)). Rules are spread over grants, tasks, workloads and tools; the checked token is covered
/// by none of them (the common case: every index is probed), or by a task rule.
/// </summary>
public class RevocationSetBenchmarks
{
    private RevocationSet set = null!;
    private AccessTokenClaims live = null!;
    private AccessTokenClaims revoked = null!;

    [Params(10, 10_000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTimeOffset.UtcNow;
        set = new RevocationSet();
        var kinds = new[] { RevocationKind.Grant, RevocationKind.Task, RevocationKind.Workload, RevocationKind.Tool };
        for (var i = 0; i < Rules; i++)
        {
            var kind = kinds[i % kinds.Length];
            var subject = kind switch
            {
                RevocationKind.Workload => $"spiffe://bench.local/agents/w{i}",
                RevocationKind.Tool => $"tool{i}.read",
                _ => $"subject-{i}",
            };
            set.Apply(new RevocationRule(kind, subject, now, LiftedAt: null, "benchmark", now.AddHours(1)));
        }

        live = Claims(now, "t-live");
        revoked = Claims(now, "subject-1");
        if (set.FindCovering(live) is not null || set.FindCovering(revoked) is null)
        {
            throw new InvalidOperationException("benchmark rules do not cover as intended");
        }
    }

    [Benchmark(Baseline = true, Description = "FindCovering: live token")]
    public RevocationRule? Live() => set.FindCovering(live);

    [Benchmark(Description = "FindCovering: revoked task")]
    public RevocationRule? Revoked() => set.FindCovering(revoked);

    private static AccessTokenClaims Claims(DateTimeOffset now, string taskId) => new(
        "https://credbroker.bench", "spiffe://bench.local/agents/loader", "spiffe://bench.local/agents/loader", "https://bench.tool",
        now.AddSeconds(-10), now.AddSeconds(-10), now.AddMinutes(5), "g_benchmark", ["bench.read", "bench.write"], taskId, "bench", "team-bench");
}
