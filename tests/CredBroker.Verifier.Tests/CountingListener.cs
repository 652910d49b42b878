using System.Net;
using System.Net.Sockets;

namespace CredBroker.Verifier.Tests;

/// <summary>A loopback TCP listener that counts connections: any attempt to fetch a URL pointing at it shows up.</summary>
public sealed class CountingListener : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private int connections;

    public CountingListener()
    {
        listener.Start();
        _ = AcceptAsync();
    }

    public Uri Url(string path) => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}{path}");

    public int Connections => Volatile.Read(ref connections);

    public void Dispose() => listener.Dispose();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                Interlocked.Increment(ref connections);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
