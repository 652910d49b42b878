// An orchestrator: it opens (fences) a task for one agent workload, waits until the agent holds a grant
// for it, lets it work for a moment, then revokes the task, which ends the agent's access everywhere at once.
// Usage: Orchestrator --task <id> --workload <spiffe-id> [--owner team-support] [--tool tickets.read]
//                     [--purpose "..."] [--max-duration 15m] [--work-for 2s | --work-for enter] [--wait 60s]
// --work-for enter waits for Enter (a line on stdin) before revoking, for a demo at your own pace.
// The broker address and the orchestrator's identity come from CREDBROKER_ADDRESS and CREDBROKER_TOKEN
// (or CREDBROKER_TOKEN_FILE). Exit code: 0 when the task was opened and revoked, 1 otherwise.
using System.Globalization;
using CredBroker.Client;

var values = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    values[args[i].TrimStart('-')] = args[i + 1];
}

if (!values.TryGetValue("task", out var taskId) || !values.TryGetValue("workload", out var workload))
{
    Console.Error.WriteLine("error: --task and --workload are required");
    return 2;
}

var options = new CredBrokerClientOptions
{
    Address = new Uri(Environment.GetEnvironmentVariable("CREDBROKER_ADDRESS") ?? "http://127.0.0.1:5080"),
    IdentityToken = Environment.GetEnvironmentVariable("CREDBROKER_TOKEN") is { Length: > 0 } token ? token.Trim() : null,
};
options.IdentityTokenFile = options.IdentityToken is null ? Environment.GetEnvironmentVariable("CREDBROKER_TOKEN_FILE") : null;
using var broker = CredBrokerClient.Create(options);

try
{
    var envelope = new TaskEnvelope(
        taskId,
        workload,
        values.GetValueOrDefault("purpose", "answer the customer's ticket"),
        values.GetValueOrDefault("owner", "team-support"),
        [values.GetValueOrDefault("tool", "tickets.read")])
    {
        MaxDuration = Seconds(values.GetValueOrDefault("max-duration", "900s")),
    };
    var task = await broker.OpenTaskAsync(envelope);
    Console.WriteLine($"opened task {task.TaskId} for {task.WorkloadId} until {task.Deadline:O}");

    // The agent claims its first grant on its own; the orchestrator only watches the task.
    var waitUntil = DateTimeOffset.UtcNow + Seconds(values.GetValueOrDefault("wait", "60s"));
    while ((await broker.GetTaskAsync(taskId)).LiveGrants == 0)
    {
        if (DateTimeOffset.UtcNow > waitUntil)
        {
            Console.WriteLine($"the agent never asked for a grant for {taskId}; revoking anyway");
            break;
        }

        await Task.Delay(200);
    }

    var workFor = values.GetValueOrDefault("work-for", "2s");
    if (workFor == "enter")
    {
        Console.WriteLine($"the agent is working on {taskId}; press Enter to end the task");
        await Console.In.ReadLineAsync();
    }
    else
    {
        Console.WriteLine($"the agent is working on {taskId}");
        await Task.Delay(Seconds(workFor));
    }

    var revoked = await broker.RevokeTaskAsync(taskId, "task finished");
    Console.WriteLine($"revoked task {taskId}: {revoked.RevokedGrants} live grant(s) ended at {revoked.RevokedAt:O}");
    return 0;
}
catch (CredBrokerException e)
{
    Console.WriteLine($"error: {e.StatusName}: {e.Reason}");
    return 1;
}

// Durations as whole or fractional seconds ("2s", "0.5s") or minutes ("15m"), enough for a sample.
static TimeSpan Seconds(string text) => text[^1] switch
{
    'm' => TimeSpan.FromMinutes(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
    _ => TimeSpan.FromSeconds(double.Parse(text.TrimEnd('s'), CultureInfo.InvariantCulture)),
};
