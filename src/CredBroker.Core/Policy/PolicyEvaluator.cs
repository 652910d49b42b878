using CredBroker.Core.Grants;

namespace CredBroker.Core.Policy;

/// <summary>
/// Decides one grant request against the policy. Everything is refused unless a rule allows it,
/// and a request for several tools is allowed whole or not at all.
/// </summary>
public static class PolicyEvaluator
{
    public static PolicyDecision Evaluate(BrokerPolicy policy, GrantRequest request)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Tools.Count > policy.Limits.MaxToolsPerGrant)
        {
            return new PolicyDecision.Invalid("tools", $"{request.Tools.Count} tools requested, at most {policy.Limits.MaxToolsPerGrant} per grant");
        }

        var tools = new List<ToolDefinition>(request.Tools.Count);
        for (var i = 0; i < request.Tools.Count; i++)
        {
            if (!policy.Tools.TryGetValue(request.Tools[i], out var tool))
            {
                return new PolicyDecision.Invalid($"tools[{i}]", $"unknown tool '{request.Tools[i]}'");
            }

            tools.Add(tool);
        }

        var workload = policy.FindWorkload(request.WorkloadId);
        if (workload is null)
        {
            return new PolicyDecision.Deny("workloads", $"workload {request.WorkloadId} is not listed in policy");
        }

        var audiences = tools.Select(t => t.Audience).Distinct(StringComparer.Ordinal).ToList();
        if (audiences.Count > 1)
        {
            // One audience per token, so a token can never be replayed from one tool server to another.
            return new PolicyDecision.Invalid("tools", $"tools live on different servers ({string.Join(", ", audiences)}); request one grant per server");
        }

        foreach (var tool in tools.Where(t => !workload.MayUse(t.Name)))
        {
            return new PolicyDecision.Deny(workload.Name, $"policy rule '{workload.Name}' does not allow tool '{tool.Name}' for task {request.TaskId}");
        }

        return new PolicyDecision.Allow(workload, tools, audiences[0], TtlBound.Apply(request.Ttl, policy, workload, tools));
    }
}
