using System.CommandLine;
using CredBroker.Cli.Output;
using CredBroker.Client;

namespace CredBroker.Cli.Commands;

/// <summary><c>revoke grant|workload|tool</c>: what an operator does about a suspicious grant, agent or tool.</summary>
public static class RevokeCommands
{
    public static Command Create() => new("revoke", "Revoke access (role: operator)")
    {
        Grant(),
        Workload(),
        Tool(),
    };

    private static Command Grant()
    {
        var grantId = new Argument<string>("grant-id") { Description = "The grant to revoke (its token's jti)" };
        var reason = Reason();
        var command = new Command("grant", "Revoke one grant; its token is inactive at once") { grantId, reason };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(grantId);
            var result = await client.RevokeGrantAsync(id, parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
            Write(parse, output, ("grant_id", id), result);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Workload()
    {
        var workloadId = new Argument<string>("workload-id") { Description = "The workload (SPIFFE ID) whose tokens die" };
        var quarantine = new Option<TimeSpan?>("--quarantine")
        {
            Description = "Also refuse the workload's new grants for this long, e.g. 1h",
            HelpName = "duration",
            CustomParser = Parse.Duration,
        };
        var reason = Reason();
        var command = new Command("workload", "Revoke every token of a workload (one rule, whatever the number of grants)") { workloadId, quarantine, reason };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(workloadId);
            var result = await client.RevokeWorkloadAsync(id, parse.GetValue(quarantine), parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
            Write(parse, output, ("workload_id", id), result);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Tool()
    {
        var tool = new Argument<string>("tool") { Description = "The compromised tool, e.g. repo.write" };
        var duration = new Option<TimeSpan?>("--for")
        {
            Description = "Refuse the tool's new grants for this long, e.g. 1h (default: until `credbroker release tool`)",
            HelpName = "duration",
            CustomParser = Parse.Duration,
        };
        var reason = Reason();
        var command = new Command("tool", "Revoke every token that carries a tool and refuse its new grants (one rule, whatever the number of grants)") { tool, duration, reason };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var name = parse.GetRequiredValue(tool);
            var result = await client.RevokeToolAsync(name, parse.GetValue(duration), parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
            Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table, [("tool", name), ("revoked_at", result.RevokedAt), ("until", (object?)result.LiftedAt ?? "released")]);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary><c>release tool</c>: ends a standing tool revocation.</summary>
    public static Command Release()
    {
        var tool = new Argument<string>("tool") { Description = "The tool whose revocation ends; tokens issued before stay dead" };
        var reason = Reason();
        var toolCommand = new Command("tool", "Let the tool be granted again") { tool, reason };
        BrokerAction.Set(toolCommand, async (parse, client, output, cancellationToken) =>
        {
            var name = parse.GetRequiredValue(tool);
            var released = await client.ReleaseToolAsync(name, parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
            Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table, [("tool", name), ("released", released is not null), ("released_at", released)]);
            return ExitCodes.Success;
        });
        return new Command("release", "End a standing revocation (role: operator)") { toolCommand };
    }

    private static Option<string?> Reason() => new("--reason") { Description = "Why, for the audit log" };

    private static void Write(ParseResult parse, TextWriter output, (string, object?) subject, RevocationResult result) =>
        Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table, [subject, ("revoked_grants", result.RevokedGrants), ("revoked_at", result.RevokedAt), .. Durability.Field(result.DurabilityNotConfirmed)]);
}
