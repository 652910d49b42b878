namespace CredBroker.Core.Policy;

/// <summary>Invariant 5: a token lives min(requested, each tool's max, the workload's max, the global max).</summary>
public static class TtlBound
{
    public static TimeSpan Apply(TimeSpan? requested, BrokerPolicy policy, WorkloadDefinition workload, IEnumerable<ToolDefinition> tools)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(tools);
        var ttl = Min(requested ?? policy.Limits.DefaultTtl, policy.Limits.MaxTtl);
        if (workload.MaxTtl is { } workloadMax)
        {
            ttl = Min(ttl, workloadMax);
        }

        foreach (var tool in tools)
        {
            if (tool.MaxTtl is { } toolMax)
            {
                ttl = Min(ttl, toolMax);
            }
        }

        return ttl;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
