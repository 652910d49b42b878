using CredBroker.Core.Identity;

using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

/// <summary>
/// Reads a policy file. Unknown keys are errors, not ignored: a misspelt limit must never
/// silently widen access. Every problem is reported with its line, all at once.
/// </summary>
public static class PolicyLoader
{
    public static BrokerPolicy LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new PolicyLoadException($"{path}: cannot read: {e.Message}", e);
        }

        return Parse(text, path);
    }

    public static BrokerPolicy Parse(string yaml, string source = "policy")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new PolicyLoadException($"{source}:{e.Start.Line}: {e.Message}", e);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PolicyLoadException($"{source}:1: a policy is one YAML mapping with keys limits, tools, workloads, roles");
        }

        var reader = new PolicyReader(source);
        var policy = reader.Read(root);
        return reader.Problems.Count > 0 ? throw new PolicyLoadException(reader.Problems) : policy;
    }

    private sealed class PolicyReader(string source)
    {
        public List<string> Problems { get; } = [];

        public BrokerPolicy Read(YamlMappingNode root)
        {
            var limits = PolicyLimits.Default;
            var tools = new Dictionary<string, ToolDefinition>(StringComparer.Ordinal);
            var workloads = new List<WorkloadDefinition>();
            var roles = RoleTable.Empty;
            foreach (var (key, value) in Entries(root, "limits", "tools", "workloads", "roles", "version"))
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

            foreach (var overlap in RoleOverlap.Problems(workloads, roles))
            {
                Problems.Add($"{source}: {overlap}");
            }

            return new BrokerPolicy(limits, tools, workloads, roles);
        }

        private PolicyLimits ReadLimits(YamlNode node)
        {
            var limits = PolicyLimits.Default;
            foreach (var (key, value) in Entries(node, "maxTtl", "defaultTtl", "maxToolsPerGrant", "maxTaskDuration", "requireOpenTask"))
            {
                limits = key switch
                {
                    "maxTtl" => limits with { MaxTtl = Duration(value, "limits.maxTtl") ?? limits.MaxTtl },
                    "defaultTtl" => limits with { DefaultTtl = Duration(value, "limits.defaultTtl") ?? limits.DefaultTtl },
                    "maxTaskDuration" => limits with { MaxTaskDuration = Duration(value, "limits.maxTaskDuration") ?? limits.MaxTaskDuration },
                    "requireOpenTask" => limits with { RequireOpenTask = Boolean(value, "limits.requireOpenTask") ?? limits.RequireOpenTask },
                    _ => limits with { MaxToolsPerGrant = Integer(value, "limits.maxToolsPerGrant", 1, 256) ?? limits.MaxToolsPerGrant },
                };
            }

            return limits;
        }

        private ToolDefinition? ReadTool(YamlNode node)
        {
            string? name = null, audience = null;
            TimeSpan? maxTtl = null;
            foreach (var (key, value) in Entries(node, "name", "audience", "maxTtl"))
            {
                switch (key)
                {
                    case "name":
                        name = Scalar(value, "tools[].name");
                        if (name is not null && !ToolNames.IsWellFormed(name))
                        {
                            Problem(value, $"tool name '{name}' must be dotted lower-case segments of [a-z0-9_-], e.g. github.issues.read");
                        }

                        break;
                    case "audience":
                        audience = Scalar(value, "tools[].audience");
                        break;
                    default:
                        maxTtl = Duration(value, "tools[].maxTtl");
                        break;
                }
            }

            if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(audience))
            {
                Problem(node, "a tool needs a name and an audience");
                return null;
            }

            return new ToolDefinition(name, audience, maxTtl);
        }

        private WorkloadDefinition? ReadWorkload(YamlNode node)
        {
            string? name = null, id = null, owner = null;
            TimeSpan? maxTtl = null;
            var requireOpenTask = false;
            var tools = new List<NamePattern>();
            foreach (var (key, value) in Entries(node, "name", "id", "owner", "tools", "maxTtl", "requireOpenTask"))
            {
                switch (key)
                {
                    case "name":
                        name = Scalar(value, "workloads[].name");
                        break;
                    case "id":
                        id = Scalar(value, "workloads[].id");
                        if (id is not null && !SpiffeId.IsValidPattern(id))
                        {
                            Problem(value, $"workload id '{id}' is not a SPIFFE ID or a pattern ending in /*");
                        }

                        break;
                    case "owner":
                        owner = Scalar(value, "workloads[].owner");
                        break;
                    case "tools":
                        tools.AddRange(Items(value, "workloads[].tools").Select(t => Scalar(t, "workloads[].tools[]")).OfType<string>().Select(t => new NamePattern(t)));
                        break;
                    case "requireOpenTask":
                        requireOpenTask = Boolean(value, "workloads[].requireOpenTask") ?? false;
                        break;
                    default:
                        maxTtl = Duration(value, "workloads[].maxTtl");
                        break;
                }
            }

            if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(owner))
            {
                Problem(node, "a workload needs an id and an owner");
                return null;
            }

            return new WorkloadDefinition(name ?? id, new IdPattern(id), owner, tools, maxTtl, requireOpenTask);
        }

        private RoleTable ReadRoles(YamlNode node)
        {
            var members = new Dictionary<Role, IReadOnlyList<IdPattern>>();
            IReadOnlyList<IdPattern> allowMultiple = [];
            foreach (var (key, value) in Entries(node, "orchestrator", "operator", "approver", "tool", "allowMultiple"))
            {
                if (key == "allowMultiple")
                {
                    allowMultiple = ReadIds(value, "roles.allowMultiple");
                    continue;
                }

                members[Enum.Parse<Role>(key, ignoreCase: true)] = ReadIds(value, $"roles.{key}");
            }

            return new RoleTable(members, allowMultiple);
        }

        private List<IdPattern> ReadIds(YamlNode node, string what)
        {
            var patterns = new List<IdPattern>();
            foreach (var item in Items(node, what))
            {
                if (Scalar(item, $"{what}[]") is not { } text)
                {
                    continue;
                }

                if (!SpiffeId.IsValidPattern(text))
                {
                    Problem(item, $"{what}: '{text}' is not a SPIFFE ID or a pattern ending in /*");
                    continue;
                }

                patterns.Add(new IdPattern(text));
            }

            return patterns;
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
}
