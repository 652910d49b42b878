using System.Collections.Concurrent;
using System.Diagnostics;

namespace CredBroker.Testing.Processes;

/// <summary><c>credbroker-server serve --dev</c> as a new user runs it: a process in <paramref name="directory"/>, here on free loopback ports.</summary>
public sealed class ServedBroker : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> log = new();

    private ServedBroker(Process process, string grpc, string http)
    {
        this.process = process;
        Grpc = grpc;
        Http = http;
    }

    /// <summary>The gRPC address (cleartext HTTP/2).</summary>
    public string Grpc { get; }

    /// <summary>The HTTP/1.1 address (JWKS, metadata, health).</summary>
    public string Http { get; }

    /// <summary>Everything it printed so far, stdout and stderr.</summary>
    public string Output => string.Join('\n', log);

    /// <summary>Starts it and waits until <c>/healthz</c> answers.</summary>
    public static async Task<ServedBroker> StartAsync(string directory)
    {
        var grpc = $"http://127.0.0.1:{Loopback.FreePort()}";
        var http = $"http://127.0.0.1:{Loopback.FreePort()}";
        var start = new ProcessStartInfo(Credbroker.DotnetHost())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, BrokerExecutable.Binary), "serve", "--dev", "--urls", grpc, $"--CredBroker:HttpUrl={http}" })
        {
            start.ArgumentList.Add(arg);
        }

        var served = new ServedBroker(Process.Start(start)!, grpc, http);
        served.process.OutputDataReceived += (_, e) => served.log.Enqueue(e.Data ?? string.Empty);
        served.process.ErrorDataReceived += (_, e) => served.log.Enqueue(e.Data ?? string.Empty);
        served.process.BeginOutputReadLine();
        served.process.BeginErrorReadLine();
        try
        {
            await Loopback.WaitUntilHealthyAsync(new Uri(http + "/healthz"), () => served.process.HasExited, () => served.Output);
            return served;
        }
        catch
        {
            await served.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops it with SIGTERM, as a service manager does, and returns its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
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
