using CredBroker.Core.Anomalies;
using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

/// <summary>
/// The <c>anomalies:</c> section. Each rule: <c>name</c>, <c>signal</c> (scopeProbing, grantRate,
/// revokedTokenUse, workloadMismatch, reported, foreignTask), <c>per</c> (task, the default, or workload;
/// foreignTask counts per workload only),
/// <c>threshold</c> (events within <c>window</c>), <c>action</c> (deny, revokeTask,
/// quarantineWorkload with <c>quarantine</c>, revokeTool with an optional <c>quarantine</c>, else until
/// released), and for reported rules an optional <c>kind</c>.
/// </summary>
internal sealed partial class PolicyReader
{
    private static readonly Dictionary<string, AnomalySignal> Signals = new(StringComparer.Ordinal)
    {
        ["scopeProbing"] = AnomalySignal.ScopeProbing,
        ["grantRate"] = AnomalySignal.GrantRate,
        ["revokedTokenUse"] = AnomalySignal.RevokedTokenUse,
        ["workloadMismatch"] = AnomalySignal.WorkloadMismatch,
        ["reported"] = AnomalySignal.Reported,
        ["foreignTask"] = AnomalySignal.ForeignTask,
    };

    private static readonly Dictionary<string, AnomalyAction> Actions = new(StringComparer.Ordinal)
    {
        ["deny"] = AnomalyAction.Deny,
        ["revokeTask"] = AnomalyAction.RevokeTask,
        ["quarantineWorkload"] = AnomalyAction.QuarantineWorkload,
        ["revokeTool"] = AnomalyAction.RevokeTool,
    };

    private List<AnomalyRule> ReadAnomalies(YamlNode node)
    {
        var rules = new List<AnomalyRule>();
        foreach (var item in Items(node, "anomalies"))
        {
            if (ReadAnomaly(item) is not { } rule)
            {
                continue;
            }

            if (rules.Any(r => r.Name == rule.Name))
            {
                Problem(item, $"anomaly rule '{rule.Name}' is declared twice");
                continue;
            }

            rules.Add(rule);
        }

        return rules;
    }

    private AnomalyRule? ReadAnomaly(YamlNode node)
    {
        string? name = null, kind = null;
        AnomalySignal? signal = null;
        AnomalyAction? action = null;
        AnomalyScope? per = null;
        int? threshold = null;
        TimeSpan? window = null, quarantine = null;
        YamlNode? kindNode = null, quarantineNode = null, perNode = null, actionNode = null;
        foreach (var (key, value) in Entries(node, "name", "signal", "per", "threshold", "window", "action", "quarantine", "kind"))
        {
            switch (key)
            {
                case "name":
                    name = Scalar(value, "anomalies[].name");
                    if (name is not null && (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                    {
                        Problem(value, $"anomalies[].name: '{name}' must be 1 to 64 letters, digits, '-', '_' or '.'");
                        name = null;
                    }

                    break;
                case "signal":
                    signal = OneOf(value, "anomalies[].signal", Signals);
                    break;
                case "per":
                    perNode = value;
                    per = Scalar(value, "anomalies[].per") switch
                    {
                        "task" => AnomalyScope.Task,
                        "workload" => AnomalyScope.Workload,
                        var other => Invalid(value, $"anomalies[].per: '{other}' is not task or workload", AnomalyScope.Task),
                    };
                    break;
                case "threshold":
                    threshold = Integer(value, "anomalies[].threshold", 1, 100_000);
                    break;
                case "window":
                    window = Duration(value, "anomalies[].window");
                    if (window > TimeSpan.FromDays(7))
                    {
                        Problem(value, "anomalies[].window: at most 7d");
                    }

                    break;
                case "action":
                    actionNode = value;
                    action = OneOf(value, "anomalies[].action", Actions);
                    break;
                case "quarantine":
                    quarantineNode = value;
                    quarantine = Duration(value, "anomalies[].quarantine");
                    if (quarantine > TimeSpan.FromDays(30))
                    {
                        Problem(value, "anomalies[].quarantine: at most 30d");
                    }

                    break;
                default:
                    kindNode = value;
                    kind = Scalar(value, "anomalies[].kind");
                    break;
            }
        }

        if (name is null || signal is null || threshold is null || window is null || action is null)
        {
            Problem(node, "an anomaly rule needs a name, a signal, a threshold, a window and an action");
            return null;
        }

        if (action == AnomalyAction.QuarantineWorkload && quarantine is null)
        {
            Problem(node, $"anomaly rule '{name}': action quarantineWorkload needs a quarantine duration");
        }

        if (action is not (AnomalyAction.QuarantineWorkload or AnomalyAction.RevokeTool) && quarantineNode is not null)
        {
            Problem(quarantineNode, $"anomaly rule '{name}': quarantine applies only to actions quarantineWorkload and revokeTool");
        }

        if (kindNode is not null && signal != AnomalySignal.Reported)
        {
            Problem(kindNode, $"anomaly rule '{name}': kind applies only to signal reported");
        }

        // A request naming another workload's task carries no task of the caller's to count it against.
        if (signal == AnomalySignal.ForeignTask && per == AnomalyScope.Task)
        {
            Problem(perNode!, $"anomaly rule '{name}': signal foreignTask counts per workload (the caller), never per task");
        }

        // The tools of a refused request are the caller's choice: revoking them would let any agent
        // revoke, for everyone, a tool it merely asked for.
        if (action == AnomalyAction.RevokeTool && signal is AnomalySignal.ScopeProbing or AnomalySignal.ForeignTask)
        {
            Problem(actionNode!, $"anomaly rule '{name}': action revokeTool would revoke tools the caller only asked for; use deny, revokeTask or quarantineWorkload");
        }

        var scope = per ?? (signal == AnomalySignal.ForeignTask ? AnomalyScope.Workload : AnomalyScope.Task);
        return new AnomalyRule(name, signal.Value, scope, threshold.Value, window.Value, action.Value, quarantine, kind);
    }

    private T? OneOf<T>(YamlNode node, string what, Dictionary<string, T> choices)
        where T : struct
    {
        var text = Scalar(node, what);
        if (text is not null && choices.TryGetValue(text, out var value))
        {
            return value;
        }

        Problem(node, $"{what}: '{text}' is not one of {string.Join(", ", choices.Keys)}");
        return null;
    }

    private T Invalid<T>(YamlNode node, string message, T fallback)
    {
        Problem(node, message);
        return fallback;
    }
}
