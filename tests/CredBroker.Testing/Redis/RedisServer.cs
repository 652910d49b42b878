using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CredBroker.Testing.Redis;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, in its own temp directory, with the persistence
/// the broker requires (invariant 3): AOF with <c>appendfsync always</c>, <c>noeviction</c>, no RDB snapshots.
/// <see cref="StopAsync"/> kills it like a crash; <see cref="StartAsync"/> brings it back on the same port and data.
/// Throws when no <c>redis-server</c> binary is found: Redis-backed tests fail, never skip.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string binary;
    private readonly string directory;
    private readonly StringBuilder output = new();
    private Process? process;

    private RedisServer(string binary, int port)
    {
        this.binary = binary;
        Port = port;
        directory = Directory.CreateTempSubdirectory("credbroker-redis-").FullName;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, usable as a StackExchange.Redis configuration string.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public bool IsRunning => process is { HasExited: false };

    /// <summary>Where the server keeps its AOF; a test may copy it to restore an older dataset later.</summary>
    public string DataDirectory => directory;

    /// <summary>Arguments laid over the safe defaults at every start (redis-server keeps the last value given), e.g. <c>--enable-debug-command local</c>.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Starts a new server and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartNewAsync(params string[] extraArguments)
    {
        var server = new RedisServer(RedisServerBinary.Find(), FreeLoopbackPort()) { ExtraArguments = extraArguments };
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>(Re)starts the server on the same port and data directory; waits until it answers PING.</summary>
    /// <param name="overrides">Arguments for this start only, after all others, e.g. <c>--appendonly no</c> to start it unsafe.</param>
    public async Task StartAsync(params string[] overrides)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"redis-server on {Endpoint} is already running");
        }

        var start = new ProcessStartInfo(binary)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments().Concat(ExtraArguments).Concat(overrides))
        {
            start.ArgumentList.Add(argument);
        }

        process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitForPongAsync();
    }

    /// <summary>Kills the server at once (SIGKILL), like a crash: only what was fsynced survives.</summary>
    public async Task StopAsync()
    {
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        process.Dispose();
        process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless; the next run uses a fresh one.
        }
    }

    private IEnumerable<string> Arguments() =>
    [
        "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--bind", "127.0.0.1",
        "--dir", directory,
        "--appendonly", "yes",
        "--appendfsync", "always",
        "--maxmemory-policy", "noeviction",
        "--save", string.Empty,
        "--daemonize", "no",
        "--protected-mode", "yes",
        "--logfile", string.Empty,
    ];

    private async Task WaitForPongAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process is null || process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited while starting on {Endpoint}:\n{Output()}");
            }

            if (await PingAsync())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"redis-server on {Endpoint} did not answer PING within {StartTimeout.TotalSeconds} s:\n{Output()}");
    }

    /// <summary>A raw RESP PING: true only on +PONG (not while the server still loads its AOF).</summary>
    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
