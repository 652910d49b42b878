using System.Net;
using System.Net.Sockets;

namespace CredBroker.Testing.Processes;

/// <summary>Loopback ports and readiness for programs a test starts as processes.</summary>
public static class Loopback
{
    /// <summary>A loopback port nothing listens on right now (the listener that found it is closed again).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Polls <paramref name="health"/> until it answers 2xx; fails the test when <paramref name="hasExited"/> turns
    /// true first (with <paramref name="output"/>) or after a minute.
    /// </summary>
    public static async Task WaitUntilHealthyAsync(Uri health, Func<bool> hasExited, Func<string> output)
    {
        ArgumentNullException.ThrowIfNull(hasExited);
        ArgumentNullException.ThrowIfNull(output);
        using var http = new HttpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            Assert.That(hasExited(), Is.False, () => $"the process serving {health} exited:\n{output()}");
            try
            {
                using var response = await http.GetAsync(health, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, timeout.Token);
        }
    }
}
