namespace CredBroker.Core.Policy;

/// <summary>What policy decided for one request, and which rule decided it.</summary>
public abstract record PolicyDecision
{
    private PolicyDecision()
    {
    }

    /// <param name="Audience">The one tool server hosting every requested tool.</param>
    public sealed record Allow(WorkloadDefinition Workload, IReadOnlyList<ToolDefinition> Tools, string Audience, TimeSpan Ttl) : PolicyDecision;

    /// <param name="Rule">The rule that said no, as named in the policy file.</param>
    public sealed record Deny(string Rule, string Reason) : PolicyDecision;

    /// <summary>The request itself is malformed with respect to the policy (an unknown tool, tools on two servers).</summary>
    public sealed record Invalid(string Field, string Problem) : PolicyDecision;
}
