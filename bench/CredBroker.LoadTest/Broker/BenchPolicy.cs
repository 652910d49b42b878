namespace CredBroker.LoadTest.Broker;

/// <summary>
/// The policy a bench broker runs under and the identities it names. Limits are wide on purpose:
/// h2load repeats one RequestGrant body (same task, same tools), so every call must mint a new
/// grant, and a quota or rate limit would turn a throughput run into a run of refusals.
/// </summary>
public static class BenchPolicy
{
    public const string Agent = "spiffe://bench.local/agents/loader";
    public const string Orchestrator = "spiffe://bench.local/orchestrator";
    public const string Operator = "spiffe://bench.local/operator";
    public const string Tool = "spiffe://bench.local/tools/bench";

    public static readonly string[] Tools = ["bench.read", "bench.write"];

    public const string Audience = "https://bench.tool";

    /// <summary>TTL of the grants the scenarios request: long enough to be real, short enough that the store does not grow for ever.</summary>
    public static readonly TimeSpan GrantTtl = TimeSpan.FromSeconds(30);

    /// <summary>TTL of the one grant <c>introspect</c> checks over and over: it must outlive any run.</summary>
    public static readonly TimeSpan IntrospectTtl = TimeSpan.FromHours(1);

    public const string Yaml = """
        version: 1
        limits:
          maxTtl: 1h
          defaultTtl: 30s
          maxToolsPerGrant: 8
          maxTaskDuration: 24h
        tools:
          - name: bench.read
            audience: https://bench.tool
          - name: bench.write
            audience: https://bench.tool
        audiences:
          https://bench.tool: { servers: [spiffe://bench.local/tools/bench] }
        # No maxLiveGrants or rateLimit on the workload: unlimited, so a throughput run measures the broker, not a quota.
        workloads:
          - name: bench-loader
            id: spiffe://bench.local/agents/loader
            owner: team-bench
            tools: [bench.*]
        roles:
          orchestrator: [spiffe://bench.local/orchestrator]
          operator: [spiffe://bench.local/operator]
          tool: [spiffe://bench.local/tools/*]
        """;
}
