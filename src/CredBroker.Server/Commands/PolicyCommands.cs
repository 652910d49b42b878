using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CredBroker.Cli;
using CredBroker.Cli.Commands;
using CredBroker.Cli.Output;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Server.Commands.Policy;

namespace CredBroker.Server.Commands;

/// <summary>
/// <c>credbroker-server policy check | test | explain</c>: offline, on the broker's own loader and evaluator, so what
/// they say is what the broker will do (as <c>nginx -t</c> and <c>spire-server validate</c> check a configuration
/// with the server's own code). No broker needs to run. (Task envelopes, quotas and approvals live in the store and
/// are not part of an offline decision.)
/// </summary>
public static class PolicyCommands
{
    public static Command Create() => new("policy", "Check, test and explain a policy file offline (no broker needed)")
    {
        Check(),
        Test(),
        Explain(),
    };

    private static Command Check()
    {
        var file = new Argument<string>("file") { Description = "The policy file (YAML)" };
        var command = new Command("check", "Validate a policy file; prints each problem with its line. Exit 0: valid, 1: problems") { file };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            if (Load(parse.GetRequiredValue(file), error) is not { } policy)
            {
                return ExitCodes.Refused;
            }

            await output.WriteLineAsync($"{parse.GetRequiredValue(file)}: valid ({policy.Tools.Count} tools, {policy.Workloads.Count} workloads)").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Test()
    {
        var file = new Argument<string>("file") { Description = "The policy file (YAML)" };
        var cases = new Argument<string>("cases") { Description = "The decision cases (YAML: cases: [{ name, input, expect }])" };
        var command = new Command("test", "Run decision cases against a policy. Exit 0: all pass, 1: a mismatch or an invalid policy, 2: an invalid cases file") { file, cases };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            if (Load(parse.GetRequiredValue(file), error) is not { } policy)
            {
                return ExitCodes.Refused;
            }

            IReadOnlyList<PolicyCase> loaded;
            try
            {
                loaded = PolicyCaseLoader.Load(parse.GetRequiredValue(cases));
            }
            catch (Exception e) when (e is PolicyLoadException or IOException or UnauthorizedAccessException)
            {
                foreach (var problem in (e as PolicyLoadException)?.Problems ?? [e.Message])
                {
                    await error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
                }

                return ExitCodes.Usage;
            }

            var results = loaded.Select(c => Run(policy, c)).ToList();
            if (GlobalOptions.FormatOf(parse) == OutputFormat.Json)
            {
                await output.WriteLineAsync(Json(results)).ConfigureAwait(false);
            }
            else
            {
                var width = results.Max(r => r.Case.Name.Length);
                foreach (var r in results)
                {
                    var detail = r.Passed ? r.Actual.Decision : $"expected {r.Case.Expected}{(r.Case.Reason is null ? string.Empty : $" mentioning '{r.Case.Reason}'")}{(r.Case.Ttl is { } t ? $" with ttl {DurationText.Format(t)}" : string.Empty)}, got {r.Actual.Decision}: {r.Actual.Message}";
                    await output.WriteLineAsync($"{(r.Passed ? "PASS" : "FAIL")}  {r.Case.Name.PadRight(width)}  {detail}").ConfigureAwait(false);
                }

                await output.WriteLineAsync($"{results.Count(r => r.Passed)} passed, {results.Count(r => !r.Passed)} failed").ConfigureAwait(false);
            }

            return results.All(r => r.Passed) ? ExitCodes.Success : ExitCodes.Refused;
        });
        return command;
    }

    private static Command Explain()
    {
        var file = new Argument<string>("file") { Description = "The policy file (YAML)" };
        var workload = new Option<string>("--workload") { Description = "The workload's SPIFFE ID", Required = true };
        var tools = new Option<string[]>("--tool") { Description = "A tool; repeat for several", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "The stated purpose", DefaultValueFactory = _ => string.Empty };
        var task = new Option<string>("--task") { Description = "The task id", DefaultValueFactory = _ => "t-explain" };
        var ttl = new Option<TimeSpan?>("--ttl") { Description = "Requested lifetime such as 5m", HelpName = "duration", CustomParser = Parse.Duration };
        var context = new Option<string[]>("--context") { Description = "Request context as key=value; repeat for several", HelpName = "key=value" };
        var at = new Option<DateTimeOffset?>("--time") { Description = "Decide as of this UTC time (time-of-day conditions). Default: now", HelpName = "2026-11-23T10:00:00Z" };
        var command = new Command("explain", "Print the decision for one request and the rules behind it. Exit 0 when the policy loads")
        {
            file, workload, tools, purpose, task, ttl, context, at,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(context) ?? [])
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    await error.WriteLineAsync($"error: --context: '{pair}' is not key=value").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                pairs[pair[..equals]] = pair[(equals + 1)..];
            }

            if (Load(parse.GetRequiredValue(file), error) is not { } policy)
            {
                return ExitCodes.Refused;
            }

            var request = new GrantRequest(parse.GetRequiredValue(workload), parse.GetRequiredValue(task), parse.GetRequiredValue(purpose), parse.GetRequiredValue(tools), parse.GetValue(ttl), pairs);
            var explained = PolicyExplanation.Of(PolicyEvaluator.Evaluate(policy, request, parse.GetValue(at) ?? DateTimeOffset.UtcNow));
            var format = GlobalOptions.FormatOf(parse) ?? OutputFormat.Table;
            IReadOnlyList<(string, object?)> fields =
            [
                ("decision", explained.Decision),
                ("ttl", explained.Ttl is { } t ? DurationText.Format(t) : null),
                ("rule", explained.Rule),
                ("message", explained.Message),
            ];
            if (format == OutputFormat.Json)
            {
                Printer.Write(output, format, [.. fields, ("reasons", explained.Reasons)]);
                return ExitCodes.Success;
            }

            // For people: each reason on its own line, in the order the evaluator met them.
            Printer.Write(output, format, fields);
            await output.WriteLineAsync("reasons:").ConfigureAwait(false);
            foreach (var reason in explained.Reasons)
            {
                await output.WriteLineAsync($"  - {reason}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static BrokerPolicy? Load(string path, TextWriter error)
    {
        try
        {
            return PolicyLoader.LoadFile(path);
        }
        catch (PolicyLoadException e)
        {
            foreach (var problem in e.Problems)
            {
                error.WriteLine($"error: {problem}");
            }

            return null;
        }
    }

    private static CaseResult Run(BrokerPolicy policy, PolicyCase c)
    {
        var actual = PolicyExplanation.Of(PolicyEvaluator.Evaluate(policy, c.Input, c.At ?? DateTimeOffset.UtcNow));
        var passed = actual.Decision == c.Expected
            && (c.Reason is null || actual.Mentions(c.Reason))
            && (c.Ttl is null || actual.Ttl == c.Ttl);
        return new CaseResult(c, actual, passed);
    }

    private static string Json(IReadOnlyList<CaseResult> results)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("passed", results.Count(r => r.Passed));
            json.WriteNumber("failed", results.Count(r => !r.Passed));
            json.WriteStartArray("cases");
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteString("name", r.Case.Name);
                json.WriteNumber("line", r.Case.Line);
                json.WriteBoolean("passed", r.Passed);
                json.WriteString("expected", r.Case.Expected);
                json.WriteString("decision", r.Actual.Decision);
                json.WriteString("rule", r.Actual.Rule);
                json.WriteString("message", r.Actual.Message);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private sealed record CaseResult(PolicyCase Case, PolicyExplanation Actual, bool Passed);
}
