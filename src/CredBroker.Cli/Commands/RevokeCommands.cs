using System.CommandLine;
using CredBroker.Cli.Output;

namespace CredBroker.Cli.Commands;

/// <summary><c>revoke grant</c>: what an operator does about one suspicious grant.</summary>
public static class RevokeCommands
{
    public static Command Create() => new("revoke", "Revoke access (role: operator)")
    {
        Grant(),
    };

    private static Command Grant()
    {
        var grantId = new Argument<string>("grant-id") { Description = "The grant to revoke (its token's jti)" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit log" };
        var command = new Command("grant", "Revoke one grant; its token is inactive at once") { grantId, reason };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(grantId);
            var result = await client.RevokeGrantAsync(id, parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
            Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table, [("grant_id", id), ("revoked_grants", result.RevokedGrants), ("revoked_at", result.RevokedAt)]);
            return ExitCodes.Success;
        });
        return command;
    }
}
