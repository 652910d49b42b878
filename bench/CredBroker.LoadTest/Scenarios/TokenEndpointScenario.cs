using System.Text.Json;
using CredBroker.LoadTest.Broker;
using CredBroker.LoadTest.Engines;

namespace CredBroker.LoadTest.Scenarios;

/// <summary>
/// <c>POST /oauth2/token</c> with the RFC 7523 jwt-bearer grant, the same grant <c>request-grant</c> asks for over
/// gRPC (one task, one tool), over HTTP/2 cleartext to the same listener, so the difference is the HTTP front door:
/// form parsing, the assertion check, the JSON answer.
/// </summary>
public sealed class TokenEndpointScenario : Scenario, IDisposable
{
    private readonly HttpClient[] clients;
    private readonly Uri endpoint;
    private readonly string form;

    public TokenEndpointScenario(BenchClients identities, BrokerUnderTest broker, int connections, string runId)
        : base("token-endpoint")
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(broker);
        endpoint = new Uri(broker.Address, "/oauth2/token");
        clients = Enumerable.Range(0, Math.Max(1, connections))
            .Select(_ => new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = false, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
            {
                DefaultRequestVersion = System.Net.HttpVersion.Version20,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            })
            .ToArray();
        var details = JsonSerializer.Serialize(new object[] { new Dictionary<string, string> { ["type"] = "credbroker_task", ["task_id"] = runId + "-tokens", ["purpose"] = "load test" } });
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = identities.AgentToken,
            ["scope"] = BenchPolicy.Tools[0],
            ["authorization_details"] = details,
        });
        form = content.ReadAsStringAsync().GetAwaiter().GetResult();
    }

    public override async Task StepAsync(int worker, CallRecorder recorder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        var answer = await recorder.CallAsync(async () =>
        {
            using var content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
            using var response = await clients[worker % clients.Length].PostAsync(endpoint, content, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return new Answer((int)response.StatusCode, body);
        }).ConfigureAwait(false);
        if (answer is not null && (answer.Status != 200 || !answer.Body.Contains("\"access_token\"", StringComparison.Ordinal)))
        {
            recorder.Wrong($"HTTP {answer.Status}");
        }
    }

    public void Dispose()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private sealed record Answer(int Status, string Body);
}
