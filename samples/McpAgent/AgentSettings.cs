using System.Globalization;

namespace McpAgent;

/// <summary>The agent's command line: <c>--server URL --task ID --purpose TEXT --scope "a b" [--call TOOL]... [--also URL] [--repeat-until-refused] [--interval 0.2s]</c>.</summary>
public sealed record AgentSettings(Uri Server, string TaskId, string Purpose, string Scope, IReadOnlyList<string> Calls, Uri? Also, bool RepeatUntilRefused, TimeSpan Interval, string IdentityToken)
{
    public static AgentSettings Parse(string[] args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--repeat-until-refused")
            {
                flags.Add(args[i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                (values.TryGetValue(args[i], out var list) ? list : values[args[i]] = []).Add(args[++i]);
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }
        }

        string One(string name, string? fallback = null) =>
            values.TryGetValue(name, out var v) ? v[^1] : fallback ?? throw new ArgumentException($"{name} is required");

        return new AgentSettings(
            new Uri(One("--server")),
            One("--task"),
            One("--purpose", "answer the customer"),
            One("--scope"),
            values.TryGetValue("--call", out var calls) ? calls : ["list_tickets"],
            values.TryGetValue("--also", out var also) ? new Uri(also[^1]) : null,
            flags.Contains("--repeat-until-refused"),
            TimeSpan.FromSeconds(double.Parse(One("--interval", "0.2s").TrimEnd('s'), CultureInfo.InvariantCulture)),
            environment("CREDBROKER_TOKEN") is { Length: > 0 } token ? token.Trim() : throw new ArgumentException("CREDBROKER_TOKEN (the workload's JWT-SVID) is required"));
    }
}
