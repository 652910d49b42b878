using System.CommandLine;
using CredBroker.Cli.Output;
using CredBroker.Client;

namespace CredBroker.Cli.Commands;

/// <summary><c>approvals list | approve | deny</c>: what an approver does about held requests.</summary>
public static class ApprovalCommands
{
    public static Command Create()
    {
        var command = new Command("approvals", "List, approve and deny requests policy holds for a person (role: approver)")
        {
            List(),
            Decide("approve", "Approve a held request; its agent collects exactly one grant. Never your own request", approve: true),
            Decide("deny", "Deny a held request", approve: false),
        };
        command.Aliases.Add("approval");
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "Pending requests with workload, owner, task, purpose, tools, context and expiry");
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var held = await client.ListApprovalsAsync(cancellationToken).ConfigureAwait(false);
            var format = GlobalOptions.FormatOf(parse) ?? OutputFormat.Table;
            if (format == OutputFormat.Json)
            {
                Printer.WriteRows(output, OutputFormat.Json, held.Select(Fields).ToList());
            }
            else if (held.Count == 0)
            {
                await output.WriteLineAsync("no pending approvals").ConfigureAwait(false);
            }
            else
            {
                foreach (var request in held)
                {
                    Printer.Write(output, OutputFormat.Table, Fields(request));
                    await output.WriteLineAsync().ConfigureAwait(false);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Decide(string name, string description, bool approve)
    {
        var approvalId = new Argument<string>("approval-id") { Description = "The approval id from approvals list or the agent's PendingApproval" };
        var note = new Option<string?>(approve ? "--comment" : "--reason") { Description = approve ? "A note for the audit log" : "Why, shown to the agent" };
        var command = new Command(name, description) { approvalId, note };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(approvalId);
            var outcome = approve
                ? await client.ApproveAsync(id, parse.GetValue(note), cancellationToken).ConfigureAwait(false)
                : await client.DenyAsync(id, parse.GetValue(note), cancellationToken).ConfigureAwait(false);
            Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table,
            [
                ("approval_id", outcome.ApprovalId),
                ("status", outcome.Status),
                ("decided_by", outcome.DecidedBy),
                ("decided_at", outcome.DecidedAt),
                ("reason", outcome.Reason),
            ]);
            return ExitCodes.Success;
        });
        return command;
    }

    private static IReadOnlyList<(string, object?)> Fields(HeldRequest r) =>
    [
        ("approval_id", r.ApprovalId),
        ("workload_id", r.WorkloadId),
        ("owner", r.Owner),
        ("task_id", r.TaskId),
        ("purpose", r.Purpose),
        ("tools", r.Tools),
        ("context", r.Context.Select(kv => $"{kv.Key}={kv.Value}").ToList()),
        ("reason", r.Reason),
        ("requested_at", r.RequestedAt),
        ("expires_at", r.ExpiresAt),
    ];
}
