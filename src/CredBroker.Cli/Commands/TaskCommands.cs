using System.CommandLine;
using CredBroker.Cli.Output;

namespace CredBroker.Cli.Commands;

/// <summary><c>task revoke</c>: what an orchestrator does when a task ends or goes wrong.</summary>
public static class TaskCommands
{
    public static Command Create() => new("task", "Fence and end tasks (role: orchestrator)")
    {
        Revoke(),
    };

    private static Command Revoke()
    {
        var taskId = new Argument<string>("task-id") { Description = "The task to end" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit log" };
        var command = new Command("revoke", "End every grant of a task at once; no grant for it succeeds afterwards") { taskId, reason };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(taskId);
            var result = await client.RevokeTaskAsync(id, parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
            Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table, [("task_id", id), ("revoked_grants", result.RevokedGrants), ("revoked_at", result.RevokedAt)]);
            return ExitCodes.Success;
        });
        return command;
    }
}
