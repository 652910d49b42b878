using System.Globalization;

namespace CredBroker.Core.Policy;

/// <summary>What a failing condition does: refuse the request, or hold it for a person's approval.</summary>
public enum ConditionOutcome
{
    Deny,
    RequireApproval,
}

/// <summary>
/// A condition on a tool, checked against the request's context and the time of the request.
/// A context key the request does not carry fails every condition on it: an agent must not get
/// past <c>data_classification notIn [restricted]</c> by leaving the key out.
/// </summary>
public abstract record ContextCondition
{
    private protected ContextCondition(string? name, ConditionOutcome otherwise)
    {
        ExplicitName = name;
        Otherwise = otherwise;
    }

    /// <summary>The rule name messages cite: the condition's <c>name</c>, or its description.</summary>
    public string Name => ExplicitName ?? Describe();

    public string? ExplicitName { get; }

    public ConditionOutcome Otherwise { get; }

    /// <summary>The condition as policy readers think of it: <c>environment in [staging]</c>.</summary>
    public abstract string Describe();

    /// <summary>Why the condition does not hold; null when it holds.</summary>
    public abstract string? Failure(IReadOnlyDictionary<string, string> context, DateTimeOffset now);
}

/// <summary><c>key in [a, b]</c> or <c>key notIn [a, b]</c>, compared ordinally.</summary>
public sealed record ContextValueCondition : ContextCondition
{
    public ContextValueCondition(string key, bool negated, IReadOnlyList<string> values, string? name = null, ConditionOutcome otherwise = ConditionOutcome.Deny)
        : base(name, otherwise)
    {
        Key = key;
        Negated = negated;
        Values = values;
    }

    public string Key { get; }

    public bool Negated { get; }

    public IReadOnlyList<string> Values { get; }

    public override string Describe() => $"{Key} {(Negated ? "notIn" : "in")} [{string.Join(", ", Values)}]";

    public override string? Failure(IReadOnlyDictionary<string, string> context, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.TryGetValue(Key, out var value))
        {
            return $"the request context has no '{Key}'";
        }

        var listed = Values.Contains(value, StringComparer.Ordinal);
        return listed == Negated ? $"context {Key} is '{value}'" : null;
    }
}

/// <summary>A daily window in UTC, <c>[From, To)</c>; one that ends before it starts runs past midnight.</summary>
public sealed record TimeWindowCondition : ContextCondition
{
    public TimeWindowCondition(TimeOnly from, TimeOnly to, string? name = null, ConditionOutcome otherwise = ConditionOutcome.Deny)
        : base(name, otherwise)
    {
        From = from;
        To = to;
    }

    public TimeOnly From { get; }

    public TimeOnly To { get; }

    public override string Describe() => $"time between {Text(From)} and {Text(To)} UTC";

    public override string? Failure(IReadOnlyDictionary<string, string> context, DateTimeOffset now)
    {
        var time = TimeOnly.FromDateTime(now.UtcDateTime);
        var inside = From < To ? time >= From && time < To : time >= From || time < To;
        return inside ? null : $"it is {Text(time)} UTC";
    }

    /// <summary>Parses <c>08:00-18:00</c>.</summary>
    public static bool TryParseWindow(string text, out TimeOnly from, out TimeOnly to)
    {
        ArgumentNullException.ThrowIfNull(text);
        from = to = default;
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out from)
            && TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out to)
            && from != to;
    }

    private static string Text(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);
}
