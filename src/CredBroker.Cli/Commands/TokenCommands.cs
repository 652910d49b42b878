using System.CommandLine;
using CredBroker.Cli.Output;
using CredBroker.Client;

namespace CredBroker.Cli.Commands;

/// <summary><c>token introspect</c>: what a tool server (or a person debugging one) asks.</summary>
public static class TokenCommands
{
    public static Command Create() => new("token", "Inspect access tokens (role: tool)")
    {
        Introspect(),
    };

    private static Command Introspect()
    {
        var token = new Argument<string>("token") { Description = "The access token to check, or - to read it from stdin (keeps it out of the process list)" };
        var command = new Command("introspect", "Ask the broker whether a token is live (RFC 7662). Exit code 0 when active, 1 when inactive") { token };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var text = parse.GetRequiredValue(token);
            if (text == "-")
            {
                text = (await Console.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Trim();
            }

            var answer = await client.IntrospectAsync(text, cancellationToken).ConfigureAwait(false);
            var format = GlobalOptions.FormatOf(parse) ?? OutputFormat.Table;
            if (format == OutputFormat.Table)
            {
                // The verdict first, on its own line, for a person scanning the output.
                await output.WriteLineAsync(answer.Active ? "active" : $"inactive: {answer.Reason}").ConfigureAwait(false);
                if (answer.Active)
                {
                    Printer.Write(output, format, Claims(answer));
                }
            }
            else
            {
                Printer.Write(output, format, [("active", answer.Active), .. answer.Active ? Claims(answer) : [("reason", answer.Reason)]]);
            }

            return answer.Active ? ExitCodes.Success : ExitCodes.Refused;
        });
        return command;
    }

    /// <summary>RFC 7662 member names, which are also the token's claim names.</summary>
    private static IReadOnlyList<(string, object?)> Claims(TokenIntrospection a) =>
    [
        ("sub", a.Subject),
        ("client_id", a.ClientId),
        ("aud", a.Audience),
        ("scope", a.Scope),
        ("task_id", a.TaskId),
        ("purpose", a.Purpose),
        ("owner", a.Owner),
        ("jti", a.GrantId),
        ("iss", a.Issuer),
        ("iat", a.IssuedAt),
        ("nbf", a.NotBefore),
        ("exp", a.ExpiresAt),
        ("token_type", a.TokenType),
    ];
}
