using CredBroker.Client.Internal;
using CredBroker.Protocol.V1;
using Grpc.Core;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CredBroker.Client.DependencyInjection;

public static class CredBrokerClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="CredBrokerClient"/> whose stubs come from the gRPC client
    /// factory (so <c>IHttpClientFactory</c> pools and rotates the handlers), with options validated
    /// on start. Calling it again only adds another <paramref name="configure"/>.
    /// </summary>
    public static IServiceCollection AddCredBrokerClient(this IServiceCollection services, Action<CredBrokerClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CredBrokerClientOptions>().Configure(configure).ValidateOnStart();
        if (services.Any(d => d.ServiceType == typeof(CredBrokerClient)))
        {
            return services;
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CredBrokerClientOptions>, CredBrokerClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        AddStub<GrantService.GrantServiceClient>(services);
        AddStub<TaskService.TaskServiceClient>(services);
        AddStub<AdminService.AdminServiceClient>(services);
        AddStub<VerifyService.VerifyServiceClient>(services);
        services.TryAddSingleton(sp => new CredBrokerClient(
            new FactoryStubs(sp.GetRequiredService<GrpcClientFactory>()),
            sp.GetRequiredService<IOptions<CredBrokerClientOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    private static void AddStub<TClient>(IServiceCollection services)
        where TClient : ClientBase =>
        services.AddGrpcClient<TClient>(FactoryStubs.NameOf<TClient>(), (sp, o) => o.Address = sp.GetRequiredService<IOptions<CredBrokerClientOptions>>().Value.Address);
}
