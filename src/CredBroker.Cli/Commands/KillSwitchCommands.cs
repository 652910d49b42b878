using System.CommandLine;
using CredBroker.Cli.Output;
using CredBroker.Client;

namespace CredBroker.Cli.Commands;

/// <summary><c>kill-switch engage|release|status</c>: everything dies, nothing new is issued, until released.</summary>
public static class KillSwitchCommands
{
    public static Command Create() => new("kill-switch", "Stop every agent's access at once (role: operator)")
    {
        Engage(),
        Release(),
        Status(),
    };

    private static Command Engage()
    {
        var reason = new Option<string>("--reason") { Description = "Why, for the audit log and the people paged", Required = true };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (scripts, incident runbooks)" };
        var command = new Command("engage", "Revoke every token and refuse every grant until released. Asks for confirmation unless --yes") { reason, yes };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            if (!parse.GetValue(yes) && !await ConfirmAsync(parse, cancellationToken).ConfigureAwait(false))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("not engaged: confirmation refused (pass --yes to skip the question)").ConfigureAwait(false);
                return ExitCodes.Refused;
            }

            var state = await client.EngageKillSwitchAsync(parse.GetRequiredValue(reason), cancellationToken).ConfigureAwait(false);
            Write(parse, output, state);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Release()
    {
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit log" };
        var command = new Command("release", "Let grants be issued again; tokens from before stay dead") { reason };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            Write(parse, output, await client.ReleaseKillSwitchAsync(parse.GetValue(reason), cancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "Show whether the kill switch is engaged");
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            Write(parse, output, await client.GetKillSwitchAsync(cancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Asks on the terminal; with no terminal to ask (stdin redirected and empty) the answer is no.</summary>
    private static async Task<bool> ConfirmAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        await error.WriteAsync("Engage the kill switch? Every agent token dies and no grant is issued until release. Type 'yes' to continue: ").ConfigureAwait(false);
        await error.FlushAsync(cancellationToken).ConfigureAwait(false);
        var answer = await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return string.Equals(answer?.Trim(), "yes", StringComparison.OrdinalIgnoreCase);
    }

    private static void Write(ParseResult parse, TextWriter output, KillSwitchStatus state) =>
        Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table,
        [
            ("engaged", state.Engaged),
            ("engaged_at", state.EngagedAt),
            ("engaged_by", state.EngagedBy),
            ("reason", state.Reason),
            ("released_at", state.ReleasedAt),
            .. Durability.Field(state.DurabilityNotConfirmed),
        ]);
}
