using CredBroker.Core.Policy;

namespace CredBroker.Server.Commands.Policy;

/// <summary>A decision as the policy commands print it: its name, TTL, the rule that decided, and the reasons.</summary>
public sealed record PolicyExplanation(string Decision, TimeSpan? Ttl, string? Rule, string Message, IReadOnlyList<string> Reasons)
{
    public static PolicyExplanation Of(PolicyDecision decision) => decision switch
    {
        PolicyDecision.Allow a => new("allow", a.Ttl, a.Workload.Name, $"allowed for {DurationText.Format(a.Ttl)} on {a.Audience}", a.Reasons),
        PolicyDecision.NeedsApproval n => new("needs-approval", n.Ttl, n.Rule, n.Reason, n.Reasons),
        PolicyDecision.Deny d => new("deny", null, d.Rule, d.Reason, decision.Reasons),
        PolicyDecision.Invalid i => new("invalid", null, null, $"{i.Field}: {i.Problem}", decision.Reasons),
        _ => throw new ArgumentException($"unknown decision {decision.GetType().Name}", nameof(decision)),
    };

    /// <summary>Whether <paramref name="text"/> appears in the message, the rule or any reason.</summary>
    public bool Mentions(string text) =>
        Message.Contains(text, StringComparison.Ordinal) || (Rule?.Contains(text, StringComparison.Ordinal) ?? false) || Reasons.Any(r => r.Contains(text, StringComparison.Ordinal));
}
