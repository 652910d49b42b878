namespace CredBroker.Core.Policy;

/// <summary>What policy decided for one request, and which rule decided it.</summary>
public abstract record PolicyDecision
{
    private PolicyDecision()
    {
    }

    /// <summary>The rules behind the decision, in the order they were applied, for <c>policy explain</c> and the audit.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <param name="Audience">The one tool server hosting every requested tool.</param>
    public sealed record Allow(WorkloadDefinition Workload, IReadOnlyList<ToolDefinition> Tools, string Audience, TimeSpan Ttl) : PolicyDecision;

    /// <summary>Policy would allow the request once a person approves it.</summary>
    /// <param name="Rule">The rule that asks for approval (a tool, or a condition).</param>
    /// <param name="Reason">Why, in words an approver reads.</param>
    public sealed record NeedsApproval(WorkloadDefinition Workload, IReadOnlyList<ToolDefinition> Tools, string Audience, TimeSpan Ttl, string Rule, string Reason) : PolicyDecision;

    /// <param name="Rule">The rule that said no, as named in the policy file.</param>
    public sealed record Deny(string Rule, string Reason) : PolicyDecision;

    /// <summary>The request itself is malformed with respect to the policy (an unknown tool, tools on two servers).</summary>
    public sealed record Invalid(string Field, string Problem) : PolicyDecision;
}
