namespace CredBroker.Core.Policy;

/// <summary>Invariant 5: a token lives min(requested, each tool's max, the workload's max, the global max).</summary>
public static class TtlBound
{
    public static TimeSpan Apply(TimeSpan? requested, BrokerPolicy policy, WorkloadDefinition workload, IEnumerable<ToolDefinition> tools) =>
        Explain(requested, policy, workload, tools).Ttl;

    /// <summary>The lifetime and the bound that set it (<c>requested</c>, <c>limits.defaultTtl</c>, <c>limits.maxTtl</c>, a workload or a tool).</summary>
    public static (TimeSpan Ttl, string Bound) Explain(TimeSpan? requested, BrokerPolicy policy, WorkloadDefinition workload, IEnumerable<ToolDefinition> tools)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(tools);
        var ttl = requested ?? policy.Limits.DefaultTtl;
        var bound = requested is null ? "limits.defaultTtl" : "requested";
        void Cut(TimeSpan? max, string name)
        {
            if (max is { } value && value < ttl)
            {
                (ttl, bound) = (value, name);
            }
        }

        Cut(policy.Limits.MaxTtl, "limits.maxTtl");
        Cut(workload.MaxTtl, $"workload '{workload.Name}' maxTtl");
        foreach (var tool in tools)
        {
            Cut(tool.MaxTtl, $"tool '{tool.Name}' maxTtl");
        }

        return (ttl, bound);
    }
}
