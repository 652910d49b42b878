using System.CommandLine;
using System.CommandLine.Invocation;
using CredBroker.Cli.Commands;

namespace CredBroker.Cli;

/// <summary>The <c>credbroker</c> command tree and how a run ends: parse errors are usage errors (exit code 2).</summary>
public static class CliApp
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("credbroker: just-in-time credentials for AI agents. Request, release and revoke grants; fence tasks; pull the kill switch; introspect tokens; verify the audit log. (The broker itself runs as credbroker-server, which also checks policy files offline.)")
        {
            GrantCommands.Create(),
            TaskCommands.Create(),
            RevokeCommands.Create(),
            RevokeCommands.Release(),
            KillSwitchCommands.Create(),
            TokenCommands.Create(),
            AuditCommands.Create(),
            ApprovalCommands.Create(),
            MovedPolicyCommands(),
        };
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(CreateRoot(), args, output, error, cancellationToken);

    /// <summary>Runs <paramref name="root"/> as credbroker runs its own tree; the broker's executable runs its commands through this too.</summary>
    public static async Task<int> RunAsync(RootCommand root, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(error);
        var parse = root.Parse(args);

        // System.CommandLine ends a parse error with exit code 1, which here means "the broker refused";
        // a script must be able to tell a typo from a denial.
        if (parse.Action is ParseErrorAction)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"error: {problem.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync($"Run '{Usage(parse)} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>credbroker policy …</c> moved to the broker's executable, which holds the policy reader and evaluator (the CLI
    /// references only the Client). A script written for the old place is still refused as a usage error, and told the new one.
    /// </summary>
    private static Command MovedPolicyCommands()
    {
        var command = new Command("policy", "Moved: credbroker-server policy check|test|explain") { Hidden = true, TreatUnmatchedTokensAsErrors = false };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var args = string.Join(' ', parse.Tokens.Select(t => t.Value));
            await parse.InvocationConfiguration.Error.WriteLineAsync($"error: the offline policy commands are the broker executable's now; run: credbroker-server {args}").ConfigureAwait(false);
            return ExitCodes.Usage;
        });
        return command;
    }

    private static string Usage(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command is RootCommand root ? root.HelpName ?? "credbroker" : result.Command.Name);
        }

        return string.Join(' ', names);
    }
}
