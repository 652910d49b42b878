using CredBroker.Client.Internal;
using CredBroker.Protocol.V1;
using Grpc.Core;
using Grpc.Net.ClientFactory;
using CredBroker.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// The namespace of IServiceCollection, as Microsoft.Extensions packages do, so the extension is found without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="CredBrokerClient"/> with dependency injection, its options validated when the host starts.</summary>
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
        services.AddOptions<CredBrokerClientOptions>().Configure(configure);
        return AddClient(services);
    }

    /// <summary>
    /// The same, with the options bound from a configuration section (e.g. <c>CredBroker:Client</c>:
    /// <c>Address</c>, <c>IdentityToken</c>, <c>IdentityTokenFile</c>, <c>RefreshMargin</c>, <c>CallTimeout</c>)
    /// and validated on start.
    /// </summary>
    public static IServiceCollection AddCredBrokerClient(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<CredBrokerClientOptions>().Bind(section);
        return AddClient(services);
    }

    private static IServiceCollection AddClient(IServiceCollection services)
    {
        services.AddOptions<CredBrokerClientOptions>().ValidateOnStart();
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
