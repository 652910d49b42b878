using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CredBroker.LoadTest.Broker;

/// <summary>
/// A redis-server of the bench's own on a free loopback port, with the persistence the broker
/// requires (AOF, <c>appendfsync always</c>, <c>noeviction</c>), so measured writes pay for the fsync
/// a real deployment pays for. Deleted with its data directory on dispose.
/// </summary>
public sealed class LocalRedis : IAsyncDisposable
{
    private static readonly string[] Binaries = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];

    private readonly Process process;
    private readonly string directory;

    private LocalRedis(Process process, string directory, int port)
    {
        this.process = process;
        this.directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<LocalRedis> StartAsync()
    {
        var binary = Binaries.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed (Debian: apt-get install redis-server)");
        var directory = Directory.CreateTempSubdirectory("credbroker-bench-redis-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", directory,
            "--save", string.Empty, "--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction",
            "--daemonize", "no", "--loglevel", "warning",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start redis-server");
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        var redis = new LocalRedis(process, directory, port);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            if (await redis.PingsAsync())
            {
                return redis;
            }

            await Task.Delay(50);
        }

        await redis.DisposeAsync();
        throw new InvalidOperationException($"redis-server did not answer on {redis.Endpoint}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private async Task<bool> PingsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return read >= 5 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
