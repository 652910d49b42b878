using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using CredBroker.Verifier;
using CredBroker.Verifier.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CredBroker verifier of a tool server; in this namespace so it is found without a <c>using</c>.</summary>
public static class CredBrokerVerifierServiceCollectionExtensions
{
    /// <summary>
    /// Registers the tool-side verifier: <see cref="TokenVerifier"/>, its <see cref="JwksCache"/> and
    /// <see cref="RevocationCache"/>, the <see cref="ToolUseReporter"/>, its <see cref="ValidatedTokenCache"/> and <see cref="VerifierMetrics"/>, the background <see cref="RevocationWatcher"/> (a hosted service), and
    /// <see cref="CredBrokerTokenInterceptor"/> for gRPC tool servers. Options are validated when the host starts.
    /// </summary>
    public static IServiceCollection AddCredBrokerVerifier(this IServiceCollection services, Action<CredBrokerVerifierOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CredBrokerVerifierOptions>().Configure(configure);
        return AddVerifier(services);
    }

    /// <summary>
    /// The same, with the options bound from a configuration section (usually <see cref="CredBrokerVerifierOptions.Section"/>)
    /// and validated on start. The server's own identity (<see cref="CredBrokerVerifierOptions.IdentityToken"/>, a
    /// callback) is not a setting: give it with <paramref name="configure"/>.
    /// </summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "one extends IServiceCollection, the other IHealthChecksBuilder: no call can bind to the other one")]
    public static IServiceCollection AddCredBrokerVerifier(this IServiceCollection services, IConfiguration section, Action<CredBrokerVerifierOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var options = services.AddOptions<CredBrokerVerifierOptions>().Bind(section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddVerifier(services);
    }

    private static IServiceCollection AddVerifier(IServiceCollection services)
    {
        services.AddOptions<CredBrokerVerifierOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CredBrokerVerifierOptions>, CredBrokerVerifierOptionsValidator>());
        services.AddOptions<CredBrokerGrpcOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(JwksCache.HttpClientName)
            // A redirect could lead the key fetch anywhere, including to plain http.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.TryAddSingleton<JwksCache>();
        services.TryAddSingleton<ValidatedTokenCache>();
        services.TryAddSingleton(sp => new VerifierMetrics(sp.GetService<IMeterFactory>()));
        // The constructors are internal (they take the verifier's own parts), so the container gets factories.
        services.TryAddSingleton(sp => new RevocationCache(sp.GetRequiredService<IOptions<CredBrokerVerifierOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<BrokerConnection>();
        services.TryAddSingleton(sp => new TokenVerifier(
            sp.GetRequiredService<JwksCache>(),
            sp.GetRequiredService<ValidatedTokenCache>(),
            sp.GetRequiredService<RevocationCache>(),
            sp.GetRequiredService<BrokerConnection>(),
            sp.GetRequiredService<VerifierMetrics>(),
            sp.GetRequiredService<IOptions<CredBrokerVerifierOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TokenVerifier>>()));
        services.TryAddSingleton(sp => new ToolUseReporter(sp.GetRequiredService<BrokerConnection>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ToolUseReporter>>()));
        services.TryAddSingleton<CredBrokerTokenInterceptor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RevocationWatcher>());
        return services;
    }

    /// <summary>
    /// Adds <see cref="RevocationViewHealthCheck"/>: unhealthy while the verifier's revocation view is stale. Needs
    /// <see cref="AddCredBrokerVerifier(IServiceCollection, Action{CredBrokerVerifierOptions})"/>. Tags, e.g. <c>["ready"]</c>, let a readiness probe select it.
    /// </summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "one extends IServiceCollection, the other IHealthChecksBuilder: no call can bind to the other one")]
    public static IHealthChecksBuilder AddCredBrokerVerifier(this IHealthChecksBuilder builder, string name = RevocationViewHealthCheck.Name, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<RevocationViewHealthCheck>(name, failureStatus: null, tags: tags ?? []);
    }

    /// <summary>Names the tool each gRPC method of this server needs; a method not named is refused (deny by default).</summary>
    public static IServiceCollection AddCredBrokerGrpcTools(this IServiceCollection services, Action<CredBrokerGrpcOptions> configure) =>
        services.Configure(configure);
}
