using CredBroker.Protocol.V1;
using Grpc.Net.Client;
using Grpc.Net.ClientFactory;

namespace CredBroker.Client.Internal;

/// <summary>
/// Where the generated stubs come from: the gRPC client factory under DI (pooled handlers, created
/// per call as the factory intends), or one channel the client owns when built without DI.
/// </summary>
internal interface IBrokerStubs : IDisposable
{
    GrantService.GrantServiceClient Grants { get; }

    TaskService.TaskServiceClient Tasks { get; }

    AdminService.AdminServiceClient Admin { get; }

    VerifyService.VerifyServiceClient Verify { get; }
}

internal sealed class ChannelStubs(GrpcChannel channel) : IBrokerStubs
{
    public GrantService.GrantServiceClient Grants { get; } = new(channel);

    public TaskService.TaskServiceClient Tasks { get; } = new(channel);

    public AdminService.AdminServiceClient Admin { get; } = new(channel);

    public VerifyService.VerifyServiceClient Verify { get; } = new(channel);

    public void Dispose() => channel.Dispose();
}

internal sealed class FactoryStubs(GrpcClientFactory factory) : IBrokerStubs
{
    public GrantService.GrantServiceClient Grants => Create<GrantService.GrantServiceClient>();

    public TaskService.TaskServiceClient Tasks => Create<TaskService.TaskServiceClient>();

    public AdminService.AdminServiceClient Admin => Create<AdminService.AdminServiceClient>();

    public VerifyService.VerifyServiceClient Verify => Create<VerifyService.VerifyServiceClient>();

    /// <summary>Our own client names, so an application that registers these stubs itself keeps its settings and we keep ours.</summary>
    public static string NameOf<TClient>() => "CredBroker." + typeof(TClient).Name;

    public void Dispose()
    {
        // The factory and its handlers belong to the container.
    }

    private TClient Create<TClient>()
        where TClient : class => factory.CreateClient<TClient>(NameOf<TClient>());
}
