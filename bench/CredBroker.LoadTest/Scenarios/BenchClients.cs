using CredBroker.LoadTest.Broker;
using CredBroker.Protocol.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace CredBroker.LoadTest.Scenarios;

/// <summary>
/// The .NET side of a run: one <see cref="GrpcChannel"/> per HTTP/2 connection (each channel keeps
/// one connection), workers spread over them, and the bearer identities of each role.
/// </summary>
public sealed class BenchClients : IDisposable
{
    private readonly GrpcChannel[] channels;

    public BenchClients(BrokerUnderTest broker, int connections)
    {
        ArgumentNullException.ThrowIfNull(broker);
        channels = Enumerable.Range(0, connections)
            .Select(_ => GrpcChannel.ForAddress(broker.Address, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
            }))
            .ToArray();
        AgentToken = broker.IdentityToken(BenchPolicy.Agent);
        Agent = Bearer(AgentToken);
        Orchestrator = Bearer(broker.IdentityToken(BenchPolicy.Orchestrator));
        Operator = Bearer(broker.IdentityToken(BenchPolicy.Operator));
        ToolToken = broker.IdentityToken(BenchPolicy.Tool);
        Tool = Bearer(ToolToken);
    }

    public string AgentToken { get; }

    public string ToolToken { get; }

    public CallOptions Agent { get; }

    public CallOptions Orchestrator { get; }

    public CallOptions Operator { get; }

    public CallOptions Tool { get; }

    public GrpcChannel Channel(int worker) => channels[worker % channels.Length];

    public GrantService.GrantServiceClient Grants(int worker) => new(Channel(worker));

    public TaskService.TaskServiceClient Tasks(int worker) => new(Channel(worker));

    public VerifyService.VerifyServiceClient Verify(int worker) => new(Channel(worker));

    public AdminService.AdminServiceClient Admin(int worker) => new(Channel(worker));

    public Health.HealthClient Health(int worker) => new(Channel(worker));

    /// <summary>Opens every connection before timing starts.</summary>
    public async Task ConnectAsync()
    {
        await Task.WhenAll(channels.Select(c => c.ConnectAsync()));
    }

    public void Dispose()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }

    private static CallOptions Bearer(string token) => new(new Metadata { { "authorization", "Bearer " + token } });
}
