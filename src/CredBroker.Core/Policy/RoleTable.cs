namespace CredBroker.Core.Policy;

/// <summary>The caller roles of DESIGN.md. Every RPC names the one it needs.</summary>
public enum Role
{
    /// <summary>A workload listed in policy; asks for grants.</summary>
    Agent,
    Orchestrator,
    Operator,
    Approver,
    Tool,
}

/// <summary>
/// Who holds which role. Agents are the policy's workloads; the other roles are listed explicitly. Deny by default.
/// One identity holds several roles only when <see cref="AllowMultiple"/> covers it (checked when the policy loads).
/// </summary>
public sealed class RoleTable(IReadOnlyDictionary<Role, IReadOnlyList<IdPattern>> members, IReadOnlyList<IdPattern>? allowMultiple = null)
{
    public static readonly RoleTable Empty = new(new Dictionary<Role, IReadOnlyList<IdPattern>>());

    public IReadOnlyDictionary<Role, IReadOnlyList<IdPattern>> Members { get; } = members;

    /// <summary>Identities (or patterns) the policy lets hold more than one role.</summary>
    public IReadOnlyList<IdPattern> AllowMultiple { get; } = allowMultiple ?? [];

    public bool Holds(string identity, Role role) =>
        Members.TryGetValue(role, out var patterns) && patterns.Any(p => p.Matches(identity));
}
