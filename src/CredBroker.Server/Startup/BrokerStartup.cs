namespace CredBroker.Server.Startup;

/// <summary>
/// Runs the broker, or a command that builds its host (<c>dev identity</c>, <c>keys</c>), so that every failure
/// before it serves ends as one line on stderr and a documented exit code (<see cref="StartupFailure"/>), not an
/// unhandled exception: the stack trace only with <c>--verbose</c> or Debug logging.
/// </summary>
public static partial class BrokerStartup
{
    public const string VerboseFlag = "--verbose";
    public const string DevFlag = "--dev";

    /// <summary>
    /// The host's own arguments and whether details were asked for: <c>--verbose</c> is taken out, and <c>--dev</c>
    /// becomes the Development environment (dev policy, dev identities), as for <c>credbroker-server serve --dev</c>.
    /// </summary>
    public static (string[] HostArgs, bool Verbose) ReadArgs(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var verbose = args.Contains(VerboseFlag) || DebugLogging(args);
        var hostArgs = args.Where(a => a is not VerboseFlag and not DevFlag).ToList();
        if (args.Contains(DevFlag))
        {
            hostArgs.InsertRange(0, ["--environment", "Development"]);
        }

        return ([.. hostArgs], verbose);
    }

    /// <summary>Runs the broker until it is stopped; 0 after a clean stop, else the start-up failure's code.</summary>
    public static Task<int> ServeAsync(string[] hostArgs, bool verbose, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(error, verbose, async () =>
        {
            var app = Build(hostArgs, verbose);
            await using (app.ConfigureAwait(false))
            {
                await StartupPreflight.CheckAsync(app.Services).ConfigureAwait(false);

                // Ctrl+C or SIGTERM stops the host gracefully, as under `dotnet run`.
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                var keys = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Core.SigningKeys.SigningKeyOptions>>().Value;
                var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BrokerStartup).FullName!);
                ServerLog.BrokerStartupKeyDirectory(logger, keys.KeyDirectory);
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken);

    /// <summary>
    /// The broker's host as a program runs it: the settings shipped with the broker (appsettings.json) are read
    /// from beside it wherever it is started from, so `dotnet run`, the installed credbroker tool and a container
    /// read the same ones; the host's own "failed to start" log (a stack trace) is left to <see cref="RunAsync"/> unless verbose.
    /// </summary>
    public static WebApplication Build(string[] hostArgs, bool verbose) => BrokerHost.Build(
        hostArgs,
        builder =>
        {
            if (!verbose)
            {
                // The host logs a failed start as an error with the whole exception; RunAsync prints the one line that matters.
                builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            }
        },
        AppContext.BaseDirectory);

    /// <summary>Runs <paramref name="body"/>; any exception is a start-up failure, printed as one line (with the exception when verbose).</summary>
    public static async Task<int> RunAsync(TextWriter error, bool verbose, Func<Task<int>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted while starting, as shells report SIGINT.
            return 130;
        }
        catch (Exception e)
        {
            var failure = StartupFailure.From(e);
            await error.WriteLineAsync($"error: {failure.Message}").ConfigureAwait(false);
            if (verbose)
            {
                await error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            return failure.ExitCode;
        }
    }

    /// <summary>Debug or Trace as the default log level (environment or command line) asks for the details too.</summary>
    private static bool DebugLogging(IReadOnlyList<string> args)
    {
        var level = Environment.GetEnvironmentVariable("Logging__LogLevel__Default");
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i].TrimStart('-', '/');
            if (arg.StartsWith("Logging:LogLevel:Default=", StringComparison.OrdinalIgnoreCase))
            {
                level = arg[(arg.IndexOf('=', StringComparison.Ordinal) + 1)..];
            }
            else if (arg.Equals("Logging:LogLevel:Default", StringComparison.OrdinalIgnoreCase) && i + 1 < args.Count)
            {
                level = args[i + 1];
            }
        }

        return string.Equals(level, "Debug", StringComparison.OrdinalIgnoreCase) || string.Equals(level, "Trace", StringComparison.OrdinalIgnoreCase);
    }
}
