using CredBroker.Core.Anomalies;

namespace CredBroker.Core.Policy;

/// <summary>The policy in force: the tool catalogue, the workloads and what they may use, the roles, and global limits.</summary>
public sealed record BrokerPolicy(
    PolicyLimits Limits,
    IReadOnlyDictionary<string, ToolDefinition> Tools,
    IReadOnlyList<WorkloadDefinition> Workloads,
    RoleTable Roles)
{
    /// <summary>The <c>anomalies:</c> section: rules that act when agents go off script. Default: none.</summary>
    public IReadOnlyList<AnomalyRule> Anomalies { get; init; } = [];

    /// <summary>
    /// The <c>audiences:</c> section: which tool-server identities serve each audience. A tool server may
    /// introspect and report on tokens of its own audiences only. Default: none, so no tool server may.
    /// </summary>
    public IReadOnlyDictionary<string, AudienceDefinition> Audiences { get; init; } = new Dictionary<string, AudienceDefinition>(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="toolServerId"/> is listed as a server of <paramref name="audience"/>.</summary>
    public bool Serves(string toolServerId, string audience) =>
        Audiences.TryGetValue(audience, out var served) && served.Servers.Any(p => p.Matches(toolServerId));

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

    /// <summary>How long a request waits for a person's approval, and an approval for its collection. Default 15m.</summary>
    public TimeSpan ApprovalTtl { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How many hops a delegation chain may have (<c>limits.maxDelegationDepth</c>): a token from
    /// <c>RequestGrant</c> is depth 0, each <c>ExchangeGrant</c> adds one. Default 3.
    /// </summary>
    public int MaxDelegationDepth { get; init; } = 3;
}

/// <param name="Name">Dotted tool name, e.g. <c>github.issues.read</c>.</param>
/// <param name="Audience">The tool server hosting the tool; the token's <c>aud</c>.</param>
/// <param name="MaxTtl">Null: only the global and workload limits apply.</param>
public sealed record ToolDefinition(string Name, string Audience, TimeSpan? MaxTtl)
{
    /// <summary>How much harm the tool can do. Default <see cref="ToolRisk.Low"/>.</summary>
    public ToolRisk Risk { get; init; } = ToolRisk.Low;

    /// <summary>Every grant naming this tool waits for a person's approval. Default: true from risk high up.</summary>
    public bool RequiresApproval { get; init; }

    /// <summary>What the request context must show for this tool to be granted; all must hold.</summary>
    public IReadOnlyList<ContextCondition> Conditions { get; init; } = [];

    /// <summary>Whether a grant of this tool may be handed on to a sub-agent (<c>ExchangeGrant</c>). Default true.</summary>
    public bool Delegable { get; init; } = true;
}

/// <param name="Audience">A token audience (<c>aud</c>), as tools name it.</param>
/// <param name="Servers">The tool-server identities (SPIFFE IDs or patterns ending in <c>/*</c>) that host it.</param>
public sealed record AudienceDefinition(string Audience, IReadOnlyList<IdPattern> Servers);

/// <summary>The risk a tool carries, in policy as <c>low</c>, <c>medium</c>, <c>high</c>, <c>critical</c>.</summary>
public enum ToolRisk
{
    Low,
    Medium,
    High,
    Critical,
}

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
    /// <summary>Purposes this workload may state (patterns with <c>*</c>); empty: any purpose.</summary>
    public IReadOnlyList<PurposePattern> Purposes { get; init; } = [];

    /// <summary>How many unexpired, unreleased grants the workload may hold at once; null: no cap.</summary>
    public int? MaxLiveGrants { get; init; }

    /// <summary>How many grants the workload may receive per window; null: no limit.</summary>
    public RateLimit? RateLimit { get; init; }

    /// <summary>The workloads (SPIFFE IDs or patterns ending in <c>/*</c>) this one may hand its grants on to; empty: none.</summary>
    public IReadOnlyList<IdPattern> Delegates { get; init; } = [];

    /// <summary>Whether this workload may hand its grants on to <paramref name="workloadId"/>.</summary>
    public bool MayDelegateTo(string workloadId) => Delegates.Any(p => p.Matches(workloadId));

    public bool MayUse(string tool) => Tools.Any(p => p.Matches(tool));

    public bool MayStatePurpose(string purpose) => Purposes.Count == 0 || Purposes.Any(p => p.Matches(purpose));
}
