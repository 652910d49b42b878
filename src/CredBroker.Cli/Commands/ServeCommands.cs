using System.CommandLine;
using CredBroker.Core.Identity;
using CredBroker.Server;
using Microsoft.Extensions.Hosting;

namespace CredBroker.Cli.Commands;

/// <summary>
/// <c>serve</c> and <c>dev identity</c>: the broker itself, run from the same tool operators already have.
/// Everything after the known flags goes to the broker's configuration as it would on
/// <c>dotnet run --project src/CredBroker.Server</c>, e.g. <c>--CredBroker:Store=redis</c>.
/// </summary>
public static class ServeCommands
{
    private const string DevHelp = "Development profile: the dev policy and dev identities (never in production)";

    public static Command Serve()
    {
        var dev = new Option<bool>("--dev") { Description = DevHelp };
        var command = new Command("serve", "Run the broker (same as running CredBroker.Server); extra arguments are configuration, e.g. --CredBroker:Store=redis")
        {
            dev,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var app = BrokerHost.Build(HostArgs(parse, dev));
            await using (app.ConfigureAwait(false))
            {
                // Ctrl+C cancels the token; the host then stops gracefully, as under `dotnet run`.
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
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
        var dev = new Option<bool>("--dev") { Description = DevHelp };
        var identity = new Command("identity", "Print an identity token from the local broker's dev issuer (same key directory and audience as `serve`)")
        {
            spiffeId, ttl, dev,
        };
        identity.TreatUnmatchedTokensAsErrors = false;
        identity.SetAction(async (parse, cancellationToken) =>
        {
            var lifetime = parse.GetValue(ttl) ?? TimeSpan.FromHours(1);
            if (lifetime > TimeSpan.FromHours(24))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("error: --ttl must be at most 24h").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var token = DevIdentityCommand.Issue(parse.GetRequiredValue(spiffeId), lifetime, HostArgs(parse, dev), out var problem);
            if (token is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {problem} (or pass --dev)").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(token).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return new Command("dev", "Local development helpers") { identity };
    }

    /// <summary>The broker's configuration arguments: everything the command did not parse, with the Development environment first under <c>--dev</c>.</summary>
    internal static string[] HostArgs(ParseResult parse, Option<bool> dev)
    {
        var rest = parse.UnmatchedTokens.ToList();
        if (parse.GetValue(dev))
        {
            rest.InsertRange(0, ["--environment", "Development"]);
        }

        return [.. rest];
    }
}
