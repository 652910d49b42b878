using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using CredBroker.Cli.Output;
using CredBroker.Client;
using CredBroker.Core.Audit;
using CredBroker.Core.Policy;

namespace CredBroker.Cli.Commands;

/// <summary><c>audit verify|tail</c>: prove the audit log is intact, and read it.</summary>
public static class AuditCommands
{
    public static Command Create() => new("audit", "Read and verify the tamper-evident audit log (role: operator)")
    {
        Verify(),
        Tail(),
    };

    /// <summary>Events this much older than the newest may not lack a checkpoint (the broker writes one every minute by default).</summary>
    private static readonly TimeSpan DefaultMaxUnsigned = TimeSpan.FromMinutes(10);

    private static Command Verify()
    {
        var file = new Option<string?>("--file") { Description = "Verify an exported JSON-lines audit file instead of the broker's log (no broker needed)" };
        var keys = new Option<string?>("--audit-keys") { Description = "The audit keys to check signed checkpoints with: a file or URL of the broker's /.well-known/audit-keys.json (default: fetched from the broker; with --file: none, checkpoints unchecked)" };
        var expectHead = new Option<string?>("--expect-head") { Description = "SEQ:HASH noted earlier (last_seq:last_hash of a previous verify): the log must still hold that event with that hash" };
        var maxUnsigned = new Option<string?>("--max-unsigned") { Description = "How much older than the newest event an event may be without a signed checkpoint covering it (default: 10m)" };
        var command = new Command("verify", "Check the hash chain, the signed checkpoints and the chain head; names the first broken link and exits 1 when the log was altered, deleted from or reordered") { file, keys, expectHead, maxUnsigned };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var expect = await ExpectationsAsync(parse, keys, expectHead, maxUnsigned, GlobalOptions.ClientOptions(parse).Address, cancellationToken).ConfigureAwait(false);
            var lines = new List<string>();
            string? head = null;
            await foreach (var line in client.ReadAuditAsync(new AuditFilter(), h => head = h, cancellationToken).ConfigureAwait(false))
            {
                lines.Add(line.Json);
            }

            if (head is not null)
            {
                expect = expect with { ChainHead = AuditKeySet.ParseHead(head) ?? throw new UsageException($"the broker sent a malformed chain head '{head}'") };
            }

            return await ReportAsync(parse, output, "the broker's audit log", lines, expect).ConfigureAwait(false);
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
            AuditExpectations expect;
            try
            {
                expect = await ExpectationsAsync(parse, keys, expectHead, maxUnsigned, brokerAddress: null, cancellationToken).ConfigureAwait(false);
                lines = await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: cannot read {path}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (UsageException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await ReportAsync(parse, parse.InvocationConfiguration.Output, path, lines.Where(l => l.Length > 0).ToList(), expect).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The keys (from --audit-keys, else the broker when there is one), the expected head and the allowed unsigned age.</summary>
    private static async Task<AuditExpectations> ExpectationsAsync(ParseResult parse, Option<string?> keys, Option<string?> expectHead, Option<string?> maxUnsigned, Uri? brokerAddress, CancellationToken cancellationToken)
    {
        AuditHead? expected = null;
        if (parse.GetValue(expectHead) is { } headText)
        {
            expected = AuditKeySet.ParseHead(headText) ?? throw new UsageException($"--expect-head: '{headText}' is not SEQ:HASH (a number, a colon, 64 lower-case hex digits)");
        }

        var age = DefaultMaxUnsigned;
        if (parse.GetValue(maxUnsigned) is { } ageText && (!DurationText.TryParse(ageText, out age) || age <= TimeSpan.Zero))
        {
            throw new UsageException($"--max-unsigned: '{ageText}' is not a positive duration, e.g. 10m");
        }

        var source = parse.GetValue(keys);
        string? json;
        try
        {
            json = source switch
            {
                null when brokerAddress is null => null,
                null => await CredBrokerClient.GetAuditKeysJsonAsync(brokerAddress, cancellationToken).ConfigureAwait(false),
                _ when Uri.TryCreate(source, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) =>
                    await CredBrokerClient.GetAuditKeysJsonAsync(url, cancellationToken).ConfigureAwait(false),
                _ => await File.ReadAllTextAsync(source, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (HttpRequestException e)
        {
            throw new UsageException($"cannot fetch the audit keys{(source is null ? " from the broker" : " from " + source)}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--audit-keys: cannot read {source}: {e.Message}");
        }

        try
        {
            return new AuditExpectations(json is null ? null : AuditKeySet.Parse(json), expected, ChainHead: null, age);
        }
        catch (FormatException e)
        {
            throw new UsageException($"the audit keys: {e.Message}");
        }
    }

    private static async Task<int> ReportAsync(ParseResult parse, TextWriter output, string source, List<string> lines, AuditExpectations expect)
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

        var result = broken is null ? AuditVerification.Verify(events, expect) : new AuditVerificationResult(broken, 0, null);
        broken = result.Broken;
        var format = GlobalOptions.FormatOf(parse) ?? OutputFormat.Table;
        if (broken is not null)
        {
            Printer.Write(output, format, [("source", source), ("intact", false), ("checked", (long)lines.Count), ("broken_event", broken.EventId), ("broken_seq", broken.Seq), ("broken_entry", broken.Position + 1), ("problem", broken.Problem)]);
            await parse.InvocationConfiguration.Error.WriteLineAsync($"audit log broken: {broken}").ConfigureAwait(false);
            return ExitCodes.Refused;
        }

        if (expect.Keys is null && result.Checkpoints > 0)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"warning: {result.Checkpoints} signed checkpoints were not checked; pass --audit-keys to detect a rewritten history").ConfigureAwait(false);
        }

        Printer.Write(output, format, [
            ("source", source),
            ("intact", true),
            ("checked", (long)events.Count),
            ("first_seq", events.Count > 0 ? events[0].Seq : null),
            ("last_seq", events.Count > 0 ? events[^1].Seq : null),
            ("last_hash", events.Count > 0 ? events[^1].Hash : null),
            ("checkpoints", (long)result.Checkpoints),
            ("checkpoints_checked", expect.Keys is not null),
            ("signed_through", result.SignedThrough)]);
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
