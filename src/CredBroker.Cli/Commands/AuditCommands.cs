using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using CredBroker.Cli.Output;
using CredBroker.Client;
using CredBroker.Core.Audit;

namespace CredBroker.Cli.Commands;

/// <summary><c>audit verify|tail</c>: prove the audit log is intact, and read it.</summary>
public static class AuditCommands
{
    public static Command Create() => new("audit", "Read and verify the tamper-evident audit log (role: operator)")
    {
        Verify(),
        Tail(),
    };

    private static Command Verify()
    {
        var file = new Option<string?>("--file") { Description = "Verify an exported JSON-lines audit file instead of the broker's log (no broker needed)" };
        var command = new Command("verify", "Check the hash chain; names the first broken link and exits 1 when the log was altered, deleted from or reordered") { file };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var lines = new List<string>();
            await foreach (var line in client.ReadAuditAsync(new AuditFilter(), cancellationToken).ConfigureAwait(false))
            {
                lines.Add(line.Json);
            }

            return await ReportAsync(parse, output, "the broker's audit log", lines).ConfigureAwait(false);
        });

        // With --file nothing is sent to a broker, so no address or identity is needed.
        var fromBroker = (AsynchronousCommandLineAction)command.Action!;
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(file) is not { } path)
            {
                return await fromBroker.InvokeAsync(parse, cancellationToken).ConfigureAwait(false);
            }

            string[] lines;
            try
            {
                lines = await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: cannot read {path}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await ReportAsync(parse, parse.InvocationConfiguration.Output, path, lines.Where(l => l.Length > 0).ToList()).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> ReportAsync(ParseResult parse, TextWriter output, string source, List<string> lines)
    {
        var events = new List<AuditEvent>(lines.Count);
        AuditChainBreak? broken = null;
        for (var i = 0; i < lines.Count && broken is null; i++)
        {
            try
            {
                events.Add(AuditCanonical.Parse(lines[i]));
            }
            catch (FormatException e)
            {
                broken = new AuditChainBreak(i, 0, "(unreadable)", $"entry {i + 1} is not an audit event: {e.Message}");
            }
        }

        broken ??= AuditChain.Verify(events);
        var format = GlobalOptions.FormatOf(parse) ?? OutputFormat.Table;
        if (broken is not null)
        {
            Printer.Write(output, format, [("source", source), ("intact", false), ("checked", (long)lines.Count), ("broken_event", broken.EventId), ("broken_seq", broken.Seq), ("broken_entry", broken.Position + 1), ("problem", broken.Problem)]);
            await parse.InvocationConfiguration.Error.WriteLineAsync($"audit log broken: {broken}").ConfigureAwait(false);
            return ExitCodes.Refused;
        }

        Printer.Write(output, format, [
            ("source", source),
            ("intact", true),
            ("checked", (long)events.Count),
            ("first_seq", events.Count > 0 ? events[0].Seq : null),
            ("last_seq", events.Count > 0 ? events[^1].Seq : null),
            ("last_hash", events.Count > 0 ? events[^1].Hash : null)]);
        return ExitCodes.Success;
    }

    private static Command Tail()
    {
        var task = new Option<string?>("--task") { Description = "Only events of this task" };
        var workload = new Option<string?>("--workload") { Description = "Only events of this workload (SPIFFE ID)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events until interrupted" };
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many events (default: all)" };
        var command = new Command("tail", "Print audit events, oldest first; one line each, or the canonical JSON lines with --output json") { task, workload, follow, limit };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            if (parse.GetValue(limit) < 0)
            {
                throw new UsageException("--limit must be 0 or more");
            }

            var json = GlobalOptions.FormatOf(parse) == OutputFormat.Json;
            var filter = new AuditFilter(parse.GetValue(task), parse.GetValue(workload), parse.GetValue(follow), Limit: parse.GetValue(limit));
            await foreach (var line in client.ReadAuditAsync(filter, cancellationToken).ConfigureAwait(false))
            {
                await output.WriteLineAsync(json ? line.Json : Describe(AuditCanonical.Parse(line.Json))).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>One line for people: time, kind, decision, then whichever of the who/what/why fields are set.</summary>
    private static string Describe(AuditEvent e)
    {
        var parts = new List<string>
        {
            e.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            e.Kind,
            e.Decision,
        };
        void Add(string name, string value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add($"{name}={value}");
            }
        }

        Add("caller", e.Caller);
        Add("workload", e.WorkloadId);
        Add("task", e.TaskId);
        Add("tools", string.Join(',', e.Tools));
        Add("grant", e.GrantId);
        Add("reason", e.Reason);
        Add("request", e.RequestId);
        Add("id", e.Id);
        return string.Join(' ', parts);
    }
}
