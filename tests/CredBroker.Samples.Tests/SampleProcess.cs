using System.Collections.Concurrent;
using System.Diagnostics;

namespace CredBroker.Samples.Tests;

/// <summary>One sample program running as its own process, its output lines collected as they come.</summary>
public sealed class SampleProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> lines = new();

    private SampleProcess(Process process)
    {
        this.process = process;
    }

    public IReadOnlyList<string> Lines => [.. lines];

    public string Output => string.Join('\n', lines);

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Starts <c>dotnet &lt;name&gt;.dll args</c> from the test's output directory with only the given CREDBROKER_* variables.</summary>
    public static SampleProcess Start(string name, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartIn(AppContext.BaseDirectory, name, environment, args);

    /// <summary>A sample built into its own output directory (samples/NAME/bin/CONFIGURATION/TFM, as these tests are built).</summary>
    public static string BuiltSample(string name)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "CredBroker.sln")))
        {
            root = root.Parent;
        }

        var directory = Path.Combine(root?.FullName ?? throw new InvalidOperationException("no CredBroker.sln above " + output), "samples", name, "bin", output.Parent!.Name, output.Name);
        return File.Exists(Path.Combine(directory, name + ".dll")) ? directory : throw new FileNotFoundException($"{name} is not built in {directory}");
    }

    /// <summary>Starts <c>dotnet &lt;directory&gt;/&lt;name&gt;.dll args</c> in <paramref name="directory"/> with only the given CREDBROKER_* variables.</summary>
    public static SampleProcess StartIn(string directory, string name, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add(Path.Combine(directory, name + ".dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("CREDBROKER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var sample = new SampleProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) sample.lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) sample.lines.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sample;
    }

    /// <summary>Waits until a line matching <paramref name="predicate"/> was printed; fails if the process exits first or the time runs out.</summary>
    public async Task WaitForLineAsync(Func<string, bool> predicate, TimeSpan limit, string what)
    {
        using var timeout = new CancellationTokenSource(limit);
        while (!lines.Any(predicate))
        {
            if (process.HasExited)
            {
                // The last lines may still be on their way.
                await process.WaitForExitAsync(timeout.Token);
                if (lines.Any(predicate))
                {
                    return;
                }

                Assert.Fail($"the process exited ({process.ExitCode}) before {what}:\n{Output}");
            }

            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no {what} within {limit}:\n{Output}");
            }
        }
    }

    /// <summary>Types a line into the program, as a person at its terminal would.</summary>
    public async Task WriteLineAsync(string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"still running after {limit}:\n{Output}");
        }

        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
