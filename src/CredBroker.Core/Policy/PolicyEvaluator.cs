using CredBroker.Core.Grants;

namespace CredBroker.Core.Policy;

/// <summary>
/// Decides one grant request against the policy. Everything is refused unless a rule allows it,
/// and a request for several tools is allowed whole or not at all: the first tool that fails a
/// rule decides for the request.
/// </summary>
public static class PolicyEvaluator
{
    /// <param name="now">The time conditions are checked at (UTC windows); from the broker's <see cref="TimeProvider"/>.</param>
    public static PolicyDecision Evaluate(BrokerPolicy policy, GrantRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Tools.Count > policy.Limits.MaxToolsPerGrant)
        {
            return new PolicyDecision.Invalid("tools", $"{request.Tools.Count} tools requested, at most {policy.Limits.MaxToolsPerGrant} per grant (limits.maxToolsPerGrant)");
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

        var reasons = new List<string> { $"workload rule '{workload.Name}' matches {request.WorkloadId} (owner {workload.Owner})" };
        foreach (var tool in tools)
        {
            if (!workload.MayUse(tool.Name))
            {
                return new PolicyDecision.Deny(workload.Name, $"policy rule '{workload.Name}' does not allow tool '{tool.Name}' for task {request.TaskId}");
            }

            reasons.Add($"workload rule '{workload.Name}' allows tool '{tool.Name}' ({string.Join(", ", workload.Tools.Where(p => p.Matches(tool.Name)))})");
        }

        if (!workload.MayStatePurpose(request.Purpose))
        {
            return new PolicyDecision.Deny(workload.Name, $"policy rule '{workload.Name}' does not allow purpose '{request.Purpose}' for task {request.TaskId} (purposes: {string.Join(", ", workload.Purposes)})");
        }

        if (workload.Purposes.Count > 0)
        {
            reasons.Add($"workload rule '{workload.Name}' allows the purpose ({workload.Purposes.First(p => p.Matches(request.Purpose))})");
        }

        (string Rule, string Reason)? approval = null;
        foreach (var tool in tools)
        {
            foreach (var condition in tool.Conditions)
            {
                if (condition.Failure(request.Context, now) is not { } failure)
                {
                    reasons.Add($"condition '{condition.Name}' on tool '{tool.Name}' holds");
                    continue;
                }

                if (condition.Otherwise == ConditionOutcome.Deny)
                {
                    return new PolicyDecision.Deny(condition.Name, $"policy rule '{condition.Name}' denied tool '{tool.Name}' for task {request.TaskId}: {failure}");
                }

                reasons.Add($"condition '{condition.Name}' on tool '{tool.Name}' does not hold ({failure}): approval required");
                approval ??= (condition.Name, $"tool '{tool.Name}': {condition.Describe()} does not hold ({failure})");
            }

            if (tool.RequiresApproval)
            {
                reasons.Add($"tool '{tool.Name}' (risk {tool.Risk.ToString().ToLowerInvariant()}) requires approval");
                approval ??= (tool.Name, $"tool '{tool.Name}' (risk {tool.Risk.ToString().ToLowerInvariant()}) requires approval");
            }
        }

        var (ttl, bound) = TtlBound.Explain(request.Ttl, policy, workload, tools);
        reasons.Add($"ttl {DurationText.Format(ttl)} set by {bound}");
        return approval is { } needed
            ? new PolicyDecision.NeedsApproval(workload, tools, audiences[0], ttl, needed.Rule, needed.Reason) { Reasons = reasons }
            : new PolicyDecision.Allow(workload, tools, audiences[0], ttl) { Reasons = reasons };
    }
}
