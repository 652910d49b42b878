using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

/// <summary>
/// Conditions are structured YAML, one mapping each, so every mistake has a line:
/// <c>{ context: environment, in: [staging] }</c>, <c>{ context: data_classification, notIn: [restricted] }</c>,
/// <c>{ timeUtc: "08:00-18:00" }</c>; optional <c>name</c> (the rule name messages cite) and
/// <c>otherwise: deny | approval</c> (what a failing condition does; default deny).
/// </summary>
internal sealed partial class PolicyReader
{
    private List<ContextCondition> ReadConditions(YamlNode node, string what)
    {
        var conditions = new List<ContextCondition>();
        foreach (var item in Items(node, what))
        {
            if (ReadCondition(item, what + "[]") is { } condition)
            {
                conditions.Add(condition);
            }
        }

        return conditions;
    }

    private ContextCondition? ReadCondition(YamlNode node, string what)
    {
        string? name = null, key = null, window = null;
        List<string>? values = null;
        var negated = false;
        var otherwise = ConditionOutcome.Deny;
        var problems = Problems.Count;
        foreach (var (field, value) in Entries(node, "name", "context", "in", "notIn", "timeUtc", "otherwise"))
        {
            switch (field)
            {
                case "name":
                    name = Scalar(value, $"{what}.name");
                    break;
                case "context":
                    key = Scalar(value, $"{what}.context");
                    break;
                case "in" or "notIn":
                    if (values is not null)
                    {
                        Problem(value, $"{what}: give in or notIn, not both");
                    }

                    values = Strings(value, $"{what}.{field}");
                    negated = field == "notIn";
                    if (values.Count == 0)
                    {
                        Problem(value, $"{what}.{field}: list at least one value");
                    }

                    break;
                case "timeUtc":
                    window = Scalar(value, $"{what}.timeUtc");
                    break;
                default:
                    otherwise = Scalar(value, $"{what}.otherwise") switch
                    {
                        "deny" => ConditionOutcome.Deny,
                        "approval" => ConditionOutcome.RequireApproval,
                        var other => Fail<ConditionOutcome>(value, $"{what}.otherwise: '{other}' is not deny or approval"),
                    };
                    break;
            }
        }

        if (Problems.Count > problems)
        {
            return null;
        }

        if (window is not null && key is null && values is null)
        {
            if (!TimeWindowCondition.TryParseWindow(window, out var from, out var to))
            {
                Problem(node, $"{what}.timeUtc: '{window}' is not a window such as 08:00-18:00 (24-hour UTC, start and end differ)");
                return null;
            }

            return new TimeWindowCondition(from, to, name, otherwise);
        }

        if (window is null && key is not null && values is not null)
        {
            return new ContextValueCondition(key, negated, values, name, otherwise);
        }

        Problem(node, $"{what}: a condition is either context with in or notIn, or timeUtc");
        return null;
    }
}
