using System.Globalization;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CredBroker.Server.Commands.Policy;

/// <summary>One decision case: an input and the decision (and optionally reason text and TTL) policy must give it.</summary>
public sealed record PolicyCase(string Name, int Line, GrantRequest Input, DateTimeOffset? At, string Expected, string? Reason, TimeSpan? Ttl);

/// <summary>
/// Reads a cases file, in the spirit of OPA's policy tests:
/// <code>
/// cases:
///   - name: support reads prod tickets
///     input: { workload: spiffe://..., purpose: triage ticket 1, tools: [tickets.read], context: { environment: prod }, ttl: 5m, time: "2026-11-23T10:00:00Z" }
///     expect: { decision: allow, reason: "tickets.*", ttl: 5m }
/// </code>
/// Unknown keys are errors with their line, as in the policy itself.
/// </summary>
public static class PolicyCaseLoader
{
    public static IReadOnlyList<PolicyCase> Load(string path)
    {
        var problems = new List<string>();
        var cases = new List<PolicyCase>();
        YamlStream stream = [];
        try
        {
            stream.Load(new StringReader(File.ReadAllText(path)));
        }
        catch (YamlException e)
        {
            throw new PolicyLoadException($"{path}:{e.Start.Line}: {e.Message}", e);
        }

        void Problem(YamlNode node, string message) => problems.Add($"{path}:{node.Start.Line}: {message}");

        Dictionary<string, YamlNode> Map(YamlNode node, params string[] allowed)
        {
            var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            if (node is not YamlMappingNode map)
            {
                Problem(node, $"expected a mapping with keys {string.Join(", ", allowed)}");
                return result;
            }

            foreach (var (k, v) in map.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? string.Empty;
                if (allowed.Contains(key, StringComparer.Ordinal))
                {
                    result[key] = v;
                }
                else
                {
                    Problem(k, $"unknown key '{key}' (expected one of {string.Join(", ", allowed)})");
                }
            }

            return result;
        }

        string? Text(Dictionary<string, YamlNode> map, string key) => map.TryGetValue(key, out var node) ? (node as YamlScalarNode)?.Value : null;

        if (stream.Documents.Count != 1)
        {
            throw new PolicyLoadException($"{path}:1: a cases file is one YAML mapping with the key cases");
        }

        var root = Map(stream.Documents[0].RootNode, "cases");
        var items = root.TryGetValue("cases", out var list) && list is YamlSequenceNode seq ? seq.Children : [];
        if (items.Count == 0)
        {
            problems.Add($"{path}:1: cases: list at least one case");
        }

        foreach (var item in items)
        {
            var entry = Map(item, "name", "input", "expect");
            var input = entry.TryGetValue("input", out var i) ? Map(i, "workload", "task", "purpose", "tools", "ttl", "context", "time") : [];
            var expect = entry.TryGetValue("expect", out var x) ? Map(x, "decision", "reason", "ttl") : [];
            var name = Text(entry, "name") ?? $"case at line {item.Start.Line}";
            var decision = Text(expect, "decision");
            if (decision is not ("allow" or "deny" or "needs-approval" or "invalid"))
            {
                Problem(x ?? item, $"{name}: expect.decision must be allow, deny, needs-approval or invalid");
            }

            var tools = input.TryGetValue("tools", out var t) && t is YamlSequenceNode toolList
                ? toolList.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList()
                : [];
            var context = input.TryGetValue("context", out var c) && c is YamlMappingNode contextMap
                ? contextMap.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? string.Empty, kv => (kv.Value as YamlScalarNode)?.Value ?? string.Empty, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            TimeSpan? ttl = null, expectTtl = null;
            if (Text(input, "ttl") is { } ttlText)
            {
                ttl = DurationText.TryParse(ttlText, out var v) ? v : Fail(input["ttl"], $"{name}: input.ttl '{ttlText}' is not a duration");
            }

            if (Text(expect, "ttl") is { } expectText)
            {
                expectTtl = DurationText.TryParse(expectText, out var v) ? v : Fail(expect["ttl"], $"{name}: expect.ttl '{expectText}' is not a duration");
            }

            DateTimeOffset? at = null;
            if (Text(input, "time") is { } timeText)
            {
                if (DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                {
                    at = parsed;
                }
                else
                {
                    Problem(input["time"], $"{name}: input.time '{timeText}' is not a time such as 2026-11-23T10:00:00Z");
                }
            }

            if (Text(input, "workload") is not { } workload || tools.Count == 0)
            {
                Problem(i ?? item, $"{name}: input needs a workload and at least one tool");
                continue;
            }

            var request = new GrantRequest(workload, Text(input, "task") ?? "t-policy-test", Text(input, "purpose") ?? string.Empty, tools, ttl, context);
            cases.Add(new PolicyCase(name, (int)item.Start.Line, request, at, decision ?? string.Empty, Text(expect, "reason"), expectTtl));
        }

        return problems.Count > 0 ? throw new PolicyLoadException(problems) : cases;

        TimeSpan? Fail(YamlNode node, string message)
        {
            Problem(node, message);
            return null;
        }
    }
}
