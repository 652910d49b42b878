using System.CommandLine;
using CredBroker.Cli.Output;
using CredBroker.Client;

namespace CredBroker.Cli.Commands;

/// <summary><c>task open|show|revoke</c>: what an orchestrator does to fence a task and to end it.</summary>
public static class TaskCommands
{
    public static Command Create() => new("task", "Fence, inspect and end tasks (role: orchestrator)")
    {
        Open(),
        Show(),
        Revoke(),
    };

    private static Command Open()
    {
        var taskId = new Argument<string>("task-id") { Description = "The task id agents will name in their grant requests" };
        var workload = new Option<string>("--workload") { Description = "The one workload (SPIFFE ID) that may use the task", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "Why the task exists, in words an auditor can read", Required = true };
        var owner = new Option<string>("--owner") { Description = "The person or team answerable for the task", Required = true };
        var tools = new Option<string[]>("--tool") { Description = "A tool (or pattern such as tickets.*) the task may use; repeat for several", Required = true };
        var maxDuration = new Option<TimeSpan?>("--max-duration")
        {
            Description = "How long the task may live, e.g. 30m; every grant expires by then. Default: the policy's maximum",
            HelpName = "duration",
            CustomParser = Parse.Duration,
        };
        var command = new Command("open", "Open a task: fix its workload, owner, purpose, tool envelope and deadline") { taskId, workload, purpose, owner, tools, maxDuration };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var envelope = new TaskEnvelope(
                parse.GetRequiredValue(taskId),
                parse.GetRequiredValue(workload),
                parse.GetRequiredValue(purpose),
                parse.GetRequiredValue(owner),
                parse.GetRequiredValue(tools))
            {
                MaxDuration = parse.GetValue(maxDuration),
            };
            var task = await client.OpenTaskAsync(envelope, cancellationToken).ConfigureAwait(false);
            Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table, Fields(task));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var taskId = new Argument<string>("task-id") { Description = "The task to show" };
        var command = new Command("show", "Show a task's envelope, state and live grants") { taskId };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var task = await client.GetTaskAsync(parse.GetRequiredValue(taskId), cancellationToken).ConfigureAwait(false);
            Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table, Fields(task));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Revoke()
    {
        var taskId = new Argument<string>("task-id") { Description = "The task to end" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit log" };
        var command = new Command("revoke", "End every grant of a task at once; no grant for it succeeds afterwards") { taskId, reason };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(taskId);
            var result = await client.RevokeTaskAsync(id, parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
            Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table, [("task_id", id), ("revoked_grants", result.RevokedGrants), ("revoked_at", result.RevokedAt), .. Durability.Field(result.DurabilityNotConfirmed)]);
            return ExitCodes.Success;
        });
        return command;
    }

    private static IReadOnlyList<(string, object?)> Fields(TaskDetails task) =>
    [
        ("task_id", task.TaskId),
        ("state", task.State),
        ("workload_id", task.WorkloadId),
        ("owner", task.Owner),
        ("purpose", task.Purpose),
        ("tools", task.Tools),
        ("opened_at", task.OpenedAt),
        ("deadline", task.Deadline),
        ("revoked_at", task.RevokedAt),
        ("live_grants", task.LiveGrants),
    ];
}
