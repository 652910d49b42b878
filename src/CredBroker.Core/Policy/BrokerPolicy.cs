namespace CredBroker.Core.Policy;

/// <summary>The policy in force: the tool catalogue, the workloads and what they may use, the roles, and global limits.</summary>
public sealed record BrokerPolicy(
    PolicyLimits Limits,
    IReadOnlyDictionary<string, ToolDefinition> Tools,
    IReadOnlyList<WorkloadDefinition> Workloads,
    RoleTable Roles)
{
    /// <summary>The first workload entry whose pattern matches, in file order; null when the workload is not in policy.</summary>
    public WorkloadDefinition? FindWorkload(string workloadId) => Workloads.FirstOrDefault(w => w.Id.Matches(workloadId));
}

/// <param name="MaxTtl">No token outlives this (invariant 5).</param>
/// <param name="DefaultTtl">The lifetime given when a request names none.</param>
/// <param name="MaxToolsPerGrant">How many tools one grant may carry.</param>
/// <param name="MaxTaskDuration">The longest deadline OpenTask may set. Default 24h.</param>
/// <param name="RequireOpenTask">Every workload needs an opened task (else only those that say so).</param>
public sealed record PolicyLimits(TimeSpan MaxTtl, TimeSpan DefaultTtl, int MaxToolsPerGrant, TimeSpan MaxTaskDuration, bool RequireOpenTask)
{
    public static readonly PolicyLimits Default = new(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(5), 16, TimeSpan.FromHours(24), RequireOpenTask: false);
}

/// <param name="Name">Dotted tool name, e.g. <c>github.issues.read</c>.</param>
/// <param name="Audience">The tool server hosting the tool; the token's <c>aud</c>.</param>
/// <param name="MaxTtl">Null: only the global and workload limits apply.</param>
public sealed record ToolDefinition(string Name, string Audience, TimeSpan? MaxTtl);

/// <param name="Name">The rule name deny messages cite; the id when the file gives none.</param>
/// <param name="RequireOpenTask">Grants only for tasks an orchestrator opened for this workload.</param>
/// <param name="Tools">Tool names or wildcard patterns (<c>tickets.*</c>) this workload may use.</param>
public sealed record WorkloadDefinition(
    string Name,
    IdPattern Id,
    string Owner,
    IReadOnlyList<NamePattern> Tools,
    TimeSpan? MaxTtl,
    bool RequireOpenTask = false)
{
    public bool MayUse(string tool) => Tools.Any(p => p.Matches(tool));
}
