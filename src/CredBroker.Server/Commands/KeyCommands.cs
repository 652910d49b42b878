using System.CommandLine;
using CredBroker.Cli;
using CredBroker.Cli.Output;
using CredBroker.Core.SigningKeys;
using CredBroker.Server.Startup;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Commands;

/// <summary>
/// <c>credbroker-server keys list|rotate</c>: the broker's signing keys, read from and written to its key directory with the
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
        var dev = ServeCommands.DevOption();
        var verbose = ServeCommands.VerboseOption();
        var command = new Command("list", "Show every signing key: kid, state (prepared, active, old, retired) and age") { dev, verbose };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, cancellationToken) => Run(parse, dev, verbose, (ring, output, format) =>
        {
            Printer.WriteRows(output, format, [.. ring.Snapshot().Select(k => Row(k.Key, k.State))]);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Rotate()
    {
        var dev = ServeCommands.DevOption();
        var verbose = ServeCommands.VerboseOption();
        var command = new Command("rotate", "Add a new signing key: published at once, signing after the publish lead") { dev, verbose };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, cancellationToken) => Run(parse, dev, verbose, (ring, output, format) =>
        {
            var key = ring.Rotate();
            var state = ring.Snapshot().First(k => k.Key.Kid == key.Kid).State;
            Printer.Write(output, format, Row(key, state));
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static IReadOnlyList<(string, object?)> Row(SigningKey key, SigningKeyState state) =>
    [
        ("kid", key.Kid),
        ("state", state.ToString().ToLowerInvariant()),
        ("created_at", key.CreatedAt),
    ];

    /// <summary>Runs <paramref name="body"/> on the key ring of the broker the arguments configure; a configuration that would stop that broker ends here as one line.</summary>
    private static Task<int> Run(ParseResult parse, Option<bool> dev, Option<bool> verbose, Func<SigningKeyRing, TextWriter, OutputFormat, int> body, CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        return BrokerStartup.RunAsync(error, parse.GetValue(verbose), async () =>
        {
            using var app = BrokerStartup.Build(ServeCommands.HostArgs(parse, dev), parse.GetValue(verbose));
            var keys = app.Services.GetRequiredService<IOptions<SigningKeyOptions>>().Value.KeyDirectory;
            await error.WriteLineAsync($"signing keys: {keys}").ConfigureAwait(false);
            var ring = app.Services.GetRequiredService<SigningKeyRing>();
            return body(ring, parse.InvocationConfiguration.Output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table);
        }, cancellationToken);
    }
}
