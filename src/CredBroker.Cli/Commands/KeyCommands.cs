using System.CommandLine;
using CredBroker.Cli.Output;
using CredBroker.Core.SigningKeys;
using CredBroker.Server;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Cli.Commands;

/// <summary>
/// <c>keys list|rotate</c>: the broker's signing keys, read from and written to its key directory with the
/// broker's own configuration (pass the same settings as to <c>serve</c>). A rotated key is published by every
/// running replica within its reload interval and signs only after the publish lead, so no verifier meets a
/// token signed by a key it has not seen.
/// </summary>
public static class KeyCommands
{
    public static Command Create() => new("keys", "List and rotate the broker's signing keys (needs the key directory, not a broker connection)")
    {
        List(),
        Rotate(),
    };

    private static Command List()
    {
        var dev = DevOption();
        var command = new Command("list", "Show every signing key: kid, state (prepared, active, old, retired) and age") { dev };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, _) => Run(parse, dev, (ring, output, format) =>
        {
            Printer.WriteRows(output, format, [.. ring.Snapshot().Select(k => Row(k.Key, k.State))]);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Rotate()
    {
        var dev = DevOption();
        var command = new Command("rotate", "Add a new signing key: published at once, signing after the publish lead") { dev };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, _) => Run(parse, dev, (ring, output, format) =>
        {
            var key = ring.Rotate();
            var state = ring.Snapshot().First(k => k.Key.Kid == key.Kid).State;
            Printer.Write(output, format, Row(key, state));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Option<bool> DevOption() => new("--dev") { Description = "Use the Development profile's configuration, as `serve --dev` does" };

    private static IReadOnlyList<(string, object?)> Row(SigningKey key, SigningKeyState state) =>
    [
        ("kid", key.Kid),
        ("state", state.ToString().ToLowerInvariant()),
        ("created_at", key.CreatedAt),
    ];

    private static Task<int> Run(ParseResult parse, Option<bool> dev, Func<SigningKeyRing, TextWriter, OutputFormat, int> body)
    {
        using var app = BrokerHost.Build(ServeCommands.HostArgs(parse, dev));
        var ring = app.Services.GetRequiredService<SigningKeyRing>();
        return Task.FromResult(body(ring, parse.InvocationConfiguration.Output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table));
    }
}
