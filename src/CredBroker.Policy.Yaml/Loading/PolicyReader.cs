using System.Globalization;
using CredBroker.Core.Anomalies;
using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

/// <summary>Reads the policy's root and holds the helpers every section reader uses; collects problems with their lines.</summary>
internal sealed partial class PolicyReader(string source)
{
    public List<string> Problems { get; } = [];

    public BrokerPolicy Read(YamlMappingNode root)
    {
        var limits = PolicyLimits.Default;
        var tools = new Dictionary<string, ToolDefinition>(StringComparer.Ordinal);
        var workloads = new List<WorkloadDefinition>();
        var roles = RoleTable.Empty;
        IReadOnlyList<AnomalyRule> anomalies = [];
        Dictionary<string, AudienceDefinition> audiences = new(StringComparer.Ordinal);
        YamlNode? audiencesNode = null;
        foreach (var (key, value) in Entries(root, "limits", "tools", "workloads", "roles", "version", "anomalies", "audiences"))
        {
            switch (key)
            {
                case "limits":
                    limits = ReadLimits(value);
                    break;
                case "tools":
                    foreach (var item in Items(value, "tools"))
                    {
                        if (ReadTool(item) is { } tool && !tools.TryAdd(tool.Name, tool))
                        {
                            Problem(item, $"tool '{tool.Name}' is declared twice");
                        }
                    }

                    break;
                case "workloads":
                    workloads.AddRange(Items(value, "workloads").Select(ReadWorkload).OfType<WorkloadDefinition>());
                    break;
                case "roles":
                    roles = ReadRoles(value);
                    break;
                case "anomalies":
                    anomalies = ReadAnomalies(value);
                    break;
                case "audiences":
                    audiencesNode = value;
                    audiences = ReadAudiences(value);
                    break;
                case "version":
                    if (Scalar(value, "version") is not "1")
                    {
                        Problem(value, "version: only version 1 is understood");
                    }

                    break;
            }
        }

        if (limits.DefaultTtl > limits.MaxTtl)
        {
            Problem(root, $"limits.defaultTtl ({DurationText.Format(limits.DefaultTtl)}) exceeds limits.maxTtl ({DurationText.Format(limits.MaxTtl)})");
        }

        foreach (var workload in workloads)
        {
            foreach (var pattern in workload.Tools.Where(p => !tools.Keys.Any(p.Matches)))
            {
                Problems.Add($"{source}: workload '{workload.Name}' allows '{pattern}', which matches no tool in the catalogue");
            }
        }

        foreach (var audience in audiences.Keys.Where(a => !tools.Values.Any(t => t.Audience == a)))
        {
            Problem(audiencesNode!, $"audiences: '{audience}' is the audience of no tool in the catalogue");
        }

        foreach (var overlap in RoleOverlap.Problems(workloads, roles))
        {
            Problems.Add($"{source}: {overlap}");
        }

        return new BrokerPolicy(limits, tools, workloads, roles) { Anomalies = anomalies, Audiences = audiences };
    }

    private IEnumerable<(string Key, YamlNode Value)> Entries(YamlNode node, params string[] allowed)
    {
        if (node is not YamlMappingNode map)
        {
            Problem(node, $"expected a mapping with keys {string.Join(", ", allowed)}");
            yield break;
        }

        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? string.Empty;
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                Problem(k, $"unknown key '{key}' (expected one of {string.Join(", ", allowed)})");
                continue;
            }

            yield return (key, v);
        }
    }

    private IEnumerable<YamlNode> Items(YamlNode node, string what)
    {
        if (node is YamlSequenceNode seq)
        {
            return seq.Children;
        }

        Problem(node, $"{what}: expected a list");
        return [];
    }

    private List<string> Strings(YamlNode node, string what) =>
        Items(node, what).Select(t => Scalar(t, what + "[]")).OfType<string>().ToList();

    private string? Scalar(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Value: { } value })
        {
            return value;
        }

        Problem(node, $"{what}: expected a single value");
        return null;
    }

    private TimeSpan? Duration(YamlNode node, string what)
    {
        var text = Scalar(node, what);
        if (text is null)
        {
            return null;
        }

        if (!DurationText.TryParse(text, out var value) || value <= TimeSpan.Zero)
        {
            Problem(node, $"{what}: '{text}' is not a positive duration such as 30s, 15m or 1h");
            return null;
        }

        return value;
    }

    private bool? Boolean(YamlNode node, string what)
    {
        var text = Scalar(node, what);
        if (text is "true" or "false")
        {
            return text == "true";
        }

        Problem(node, $"{what}: expected true or false");
        return null;
    }

    private int? Integer(YamlNode node, string what, int min, int max)
    {
        var text = Scalar(node, what);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Problem(node, $"{what}: expected a whole number from {min} to {max}");
            return null;
        }

        return value;
    }

    private void Problem(YamlNode node, string message) => Problems.Add($"{source}:{node.Start.Line}: {message}");
}
