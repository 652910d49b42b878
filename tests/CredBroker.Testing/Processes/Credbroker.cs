using System.Diagnostics;

namespace CredBroker.Testing.Processes;

/// <summary>What one run of the credbroker binary left behind.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// Runs the real credbroker binary (<c>dotnet credbroker.dll</c>) from the test output directory (or, through
/// <see cref="BrokerExecutable"/>, the broker's own executable),
/// with an environment holding only what the test gives it, so a developer's own CREDBROKER_*
/// settings cannot leak in.
/// </summary>
public static class Credbroker
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static Task<CliRun> RunAsync(IReadOnlyDictionary<string, string>? environment, string? stdin, params string[] args) =>
        RunInAsync(null, environment, stdin, args);

    /// <summary>Runs it from <paramref name="workingDirectory"/> (null: the test's), e.g. where a served broker keeps its keys.</summary>
    public static Task<CliRun> RunInAsync(string? workingDirectory, IReadOnlyDictionary<string, string>? environment, string? stdin, params string[] args) =>
        RunBinaryInAsync("credbroker.dll", workingDirectory, environment, stdin, args);

    /// <summary>Runs <paramref name="binary"/> (a framework-dependent program beside the tests) as <see cref="RunInAsync"/> runs credbroker.</summary>
    internal static async Task<CliRun> RunBinaryInAsync(string binary, string? workingDirectory, IReadOnlyDictionary<string, string>? environment, string? stdin, string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, binary));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("CREDBROKER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{binary} {string.Join(' ', args)} ran longer than {Limit}");
        }

        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(null, null, args);

    /// <summary>The repository these tests were built from (its documents and samples are test inputs).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CredBroker.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the tests run outside the repository");
    }

    /// <summary>The dotnet host running these tests (set by <c>dotnet test</c>), else the one on PATH.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}

/// <summary>
/// The broker's own executable (<c>dotnet CredBroker.Server.dll</c>, installed as <c>credbroker-server</c>): serve,
/// dev identity, keys and policy, run like <see cref="Credbroker"/> runs the CLI.
/// </summary>
public static class BrokerExecutable
{
    public const string Binary = "CredBroker.Server.dll";

    public static Task<CliRun> RunAsync(params string[] args) => Credbroker.RunBinaryInAsync(Binary, null, null, null, args);

    public static Task<CliRun> RunInAsync(string? workingDirectory, IReadOnlyDictionary<string, string>? environment, string? stdin, params string[] args) =>
        Credbroker.RunBinaryInAsync(Binary, workingDirectory, environment, stdin, args);
}
