using System.CommandLine;
using CredBroker.Cli;
using CredBroker.Cli.Commands;
using CredBroker.Core.Identity;
using CredBroker.Server.Startup;

namespace CredBroker.Server.Commands;

/// <summary>
/// <c>credbroker-server serve</c> and <c>dev identity</c>: the broker itself and its dev issuer, in the broker's
/// own executable (the credbroker CLI only talks to a broker). Everything after the known flags goes to the
/// broker's configuration as it would on <c>dotnet run --project src/CredBroker.Server</c>, e.g. <c>--CredBroker:Store=redis</c>.
/// </summary>
public static class ServeCommands
{
    private const string DevHelp = "Development profile: the dev policy and dev identities (never in production)";

    public static Command Serve()
    {
        var dev = DevOption();
        var verbose = VerboseOption();
        var command = new Command("serve", "Run the broker (the default with no command); extra arguments are configuration, e.g. --CredBroker:Store=redis")
        {
            dev, verbose,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, cancellationToken) =>
            BrokerStartup.ServeAsync(HostArgs(parse, dev), parse.GetValue(verbose), parse.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    public static Command Dev()
    {
        var spiffeId = new Argument<string>("spiffe-id") { Description = "The workload to vouch for, e.g. spiffe://dev.local/agents/support" };
        spiffeId.Validators.Add(result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (!SpiffeId.IsValid(value))
            {
                result.AddError($"spiffe-id: '{value}' is not a SPIFFE ID such as spiffe://dev.local/agents/support");
            }
        });
        var ttl = new Option<TimeSpan?>("--ttl")
        {
            Description = "How long the identity token lives, up to 24h. Default: 1h",
            HelpName = "duration",
            CustomParser = Parse.Duration,
        };
        var dev = DevOption();
        var verbose = VerboseOption();
        var identity = new Command("identity", "Print an identity token from the local broker's dev issuer (same key directory and audience as `serve`)")
        {
            spiffeId, ttl, dev, verbose,
        };
        identity.TreatUnmatchedTokensAsErrors = false;
        identity.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var lifetime = parse.GetValue(ttl) ?? TimeSpan.FromHours(1);
            if (lifetime > TimeSpan.FromHours(24))
            {
                await error.WriteLineAsync("error: --ttl must be at most 24h").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await BrokerStartup.RunAsync(error, parse.GetValue(verbose), async () =>
            {
                var issued = DevIdentityCommand.Issue(parse.GetRequiredValue(spiffeId), lifetime, HostArgs(parse, dev), parse.GetValue(verbose));
                // On stderr, so that $(credbroker-server dev identity ...) captures the token alone.
                await error.WriteLineAsync($"signing keys: {issued.KeyDirectory}").ConfigureAwait(false);
                if (issued.Token is null)
                {
                    await error.WriteLineAsync($"error: {issued.Problem}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                await parse.InvocationConfiguration.Output.WriteLineAsync(issued.Token).ConfigureAwait(false);
                return ExitCodes.Success;
            }, cancellationToken).ConfigureAwait(false);
        });
        return new Command("dev", "Local development helpers") { identity };
    }

    internal static Option<bool> DevOption() => new(BrokerStartup.DevFlag) { Description = DevHelp };

    internal static Option<bool> VerboseOption() => new(BrokerStartup.VerboseFlag) { Description = "On a start-up failure, print the exception with its stack trace too" };

    /// <summary>The broker's configuration arguments: everything the command did not parse, with the Development environment first under <c>--dev</c>.</summary>
    internal static string[] HostArgs(ParseResult parse, Option<bool> dev)
    {
        var rest = parse.UnmatchedTokens.ToList();
        if (parse.GetValue(dev))
        {
            // As the server program does with --dev: the Development environment, its dev policy and dev identities.
            rest.InsertRange(0, ["--environment", "Development"]);
        }

        return [.. rest];
    }
}
