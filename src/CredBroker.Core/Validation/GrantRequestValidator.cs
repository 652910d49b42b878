using CredBroker.Core.Grants;
using CredBroker.Core.Policy;

namespace CredBroker.Core.Validation;

/// <summary>Refuses malformed grant requests whole before anything is evaluated or written (invariant 8).</summary>
public static class GrantRequestValidator
{
    /// <summary>Returns the first problem, naming the field, or null when the request is well formed.</summary>
    public static Refusal? Validate(GrantRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problem = FieldChecks.TaskId(request.TaskId)
            ?? FieldChecks.Text(request.Purpose, "purpose", InputLimits.PurposeMaxLength, required: true)
            ?? Tools(request.Tools)
            ?? Ttl(request.Ttl)
            ?? Context(request.Context);
        if (problem is not null)
        {
            return problem;
        }

        return request.ApprovalId is null ? null : FieldChecks.ApprovalId(request.ApprovalId);
    }

    private static Refusal? Tools(IReadOnlyList<string> tools)
    {
        if (tools.Count == 0)
        {
            return Refusal.Invalid("tools", "name at least one tool");
        }

        // The policy's own cap is checked by the evaluator; this ceiling keeps the check itself cheap.
        if (tools.Count > 256)
        {
            return Refusal.Invalid("tools", $"{tools.Count} tools requested, at most 256");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tools.Count; i++)
        {
            if (!ToolNames.IsWellFormed(tools[i]))
            {
                return Refusal.Invalid($"tools[{i}]", "not a tool name (dotted lower-case segments, at most 128 characters)");
            }

            if (!seen.Add(tools[i]))
            {
                return Refusal.Invalid($"tools[{i}]", $"'{tools[i]}' is named twice");
            }
        }

        return null;
    }

    private static Refusal? Ttl(TimeSpan? ttl)
    {
        if (ttl is not { } value)
        {
            return null;
        }

        if (value < TimeSpan.FromSeconds(1))
        {
            return Refusal.Invalid("ttl", "must be at least 1s");
        }

        return value > InputLimits.TtlCeiling ? Refusal.Invalid("ttl", "must be at most 24h") : null;
    }

    private static Refusal? Context(IReadOnlyDictionary<string, string> context)
    {
        if (context.Count > InputLimits.ContextMaxEntries)
        {
            return Refusal.Invalid("context", $"{context.Count} entries, at most {InputLimits.ContextMaxEntries}");
        }

        foreach (var (key, value) in context)
        {
            if (key.Length is 0 or > InputLimits.ContextKeyMaxLength || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return Refusal.Invalid("context", $"key '{FieldChecks.Quote(key)}' must be 1-{InputLimits.ContextKeyMaxLength} characters of [A-Za-z0-9_.-]");
            }

            if (FieldChecks.Text(value, $"context[{key}]", InputLimits.ContextValueMaxLength, required: false) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }
}
