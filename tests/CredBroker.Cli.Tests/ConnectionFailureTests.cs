using System.Net;
using System.Net.Sockets;
using System.Text;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;

namespace CredBroker.Cli.Tests;

/// <summary>
/// A CLI pointed at the wrong place says so in one line naming the address and the likely cause, and exits 3
/// ("no answer"), whether nothing listens, TLS is on one side only, the port is the broker's HTTP/1.1 one,
/// or what answers is not a gRPC server.
/// </summary>
public sealed class ConnectionFailureTests
{
    private BrokerFixture broker = null!;
    private string httpPort = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        httpPort = $"http://127.0.0.1:{Loopback.FreePort()}";
        broker = await BrokerFixture.StartAsync(settings: new Dictionary<string, string?> { ["CredBroker:HttpUrl"] = httpPort });
    }

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    [Test]
    public async Task Nothing_listening_says_to_start_a_broker()
    {
        var address = $"http://127.0.0.1:{Loopback.FreePort()}";

        var run = await ListGrantsAsync(address);

        AssertOneLine(run, address, "nothing listens there");
    }

    [Test]
    public async Task Https_against_the_cleartext_port_names_the_TLS_mismatch()
    {
        var address = $"https://127.0.0.1:{broker.Address.Port}";

        var run = await ListGrantsAsync(address);

        AssertOneLine(run, address, "TLS handshake failed");
    }

    [Test]
    public async Task The_HTTP_1_1_port_is_named_as_not_the_gRPC_port()
    {
        var run = await ListGrantsAsync(httpPort);

        AssertOneLine(run, httpPort, "HTTP/1.1 listener");
    }

    [Test]
    public async Task A_server_that_is_not_gRPC_is_named_as_such()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var answer = AnswerHttp11Async(listener);

        var run = await ListGrantsAsync(address);
        await answer;

        AssertOneLine(run, address, "did not answer as cleartext HTTP/2");
    }

    private static async Task AnswerHttp11Async(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        // Read what the client sends first (its HTTP/2 preface), as an HTTP/1.1 server reads a request line.
        _ = await stream.ReadAsync(new byte[1024]);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
    }

    private Task<CliRun> ListGrantsAsync(string address) => Credbroker.RunAsync(
        new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = address, ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Operator) },
        null,
        "grants", "list");

    private static void AssertOneLine(CliRun run, string address, string cause)
    {
        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Unavailable), run.ToString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), run.ToString());
        Assert.That(lines[0], Does.StartWith($"error: UNAVAILABLE: cannot reach the broker at {address}/: ").And.Contain(cause), run.ToString());
    }
}
