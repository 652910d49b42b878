using System.Globalization;

namespace AgentRuntime;

/// <summary>The agent's command line: which task, which tool server, how many calls.</summary>
internal sealed record Arguments(string Task, Uri ToolServer, string Path, string Tool, string Purpose, int Calls, TimeSpan Interval)
{
    public static bool TryParse(string[] args, out Arguments options, out string? problem)
    {
        options = null!;
        problem = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                problem = $"expected --name value pairs, got '{args[i]}'";
                return false;
            }

            values[args[i][2..]] = args[i + 1];
        }

        if (!values.TryGetValue("task", out var task) || task.Length == 0)
        {
            problem = "--task is required: the task id the orchestrator gave this agent";
            return false;
        }

        if (!Uri.TryCreate(values.GetValueOrDefault("tool-server", "http://127.0.0.1:5090"), UriKind.Absolute, out var toolServer))
        {
            problem = "--tool-server must be an absolute URL such as http://127.0.0.1:8080";
            return false;
        }

        if (!int.TryParse(values.GetValueOrDefault("calls", "0"), NumberStyles.None, CultureInfo.InvariantCulture, out var calls))
        {
            problem = "--calls must be a whole number (0: until the first refusal)";
            return false;
        }

        var intervalText = values.GetValueOrDefault("interval", "1s");
        if (!intervalText.EndsWith('s') || !double.TryParse(intervalText[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
        {
            problem = "--interval must be seconds such as 1s or 0.2s";
            return false;
        }

        options = new Arguments(
            task,
            toolServer,
            values.GetValueOrDefault("path", "/tickets"),
            values.GetValueOrDefault("tool", "tickets.read"),
            values.GetValueOrDefault("purpose", "answer the customer's ticket"),
            calls,
            TimeSpan.FromSeconds(seconds));
        return true;
    }
}
