using System.Diagnostics;
using CredBroker.Core;
using CredBroker.Core.Audit;
using CredBroker.Core.DependencyInjection;
using CredBroker.Core.Policy;
using CredBroker.Core.SigningKeys;
using CredBroker.Core.Storage;
using CredBroker.Core.Telemetry;
using CredBroker.Redis;
using CredBroker.Server.Auth;
using CredBroker.Server.Configuration;
using CredBroker.Server.Http;
using CredBroker.Server.Keys;
using CredBroker.Server.Revocation;
using CredBroker.Server.Services;
using CredBroker.Server.Startup;
using CredBroker.Server.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace CredBroker.Server;

/// <summary>Builds the broker's host: gRPC services, the HTTP beside them, and the domain behind both.</summary>
public static class BrokerHost
{
    /// <summary>gRPC (cleartext HTTP/2) when no URL is configured.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>HTTP/1.1 for JWKS, metadata and health when no URL is configured.</summary>
    public const string DefaultHttpUrl = "http://127.0.0.1:5081";

    /// <param name="args">Command-line configuration, as for <c>WebApplication.CreateBuilder</c>.</param>
    /// <param name="configure">Runs first on the builder (tests and benchmarks add their settings and log providers).</param>
    /// <param name="contentRoot">Where appsettings.json is read from; the default is the host's (the working directory).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, string? contentRoot = null)
    {
        // Relative paths in settings (key directory, audit file, policy file) are taken from the working
        // directory, whatever the content root.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = contentRoot });
        configure?.Invoke(builder);
        var section = builder.Configuration.GetSection(BrokerOptions.Section);
        var server = section.Get<ServerOptions>() ?? new ServerOptions();
        var limits = builder.Configuration.GetSection(ConnectionLimitOptions.Section).Get<ConnectionLimitOptions>() ?? new ConnectionLimitOptions();
        // Kestrel and the choice of store read these while the host is built, before ValidateOnStart could run.
        ThrowIfInvalid(new ServerOptionsValidator(), server, BrokerOptions.Section);
        ThrowIfInvalid(new ConnectionLimitOptionsValidator(), limits, ConnectionLimitOptions.Section);

        // First: its https defaults must be in place when ConfigureKestrel's listeners call UseHttps.
        builder.AddBrokerTls();
        ConfigureKestrel(builder, server, limits);
        builder.Services.Configure<ConnectionLimitOptions>(builder.Configuration.GetSection(ConnectionLimitOptions.Section));
        builder.Services.AddSingleton<CallSlots>();
        builder.Services.Configure<BrokerOptions>(section);
        builder.Services.Configure<SigningKeyOptions>(section.GetSection("Keys"));
        builder.Services.PostConfigure<SigningKeyOptions>(o => o.KeyDirectory = string.IsNullOrWhiteSpace(o.KeyDirectory)
            ? throw new OptionsValidationException("CredBroker:Keys", typeof(SigningKeyOptions), ["CredBroker:Keys:KeyDirectory is empty: name the directory of the signing keys (--CredBroker:Keys:KeyDirectory=.credbroker/keys, the default when unset)"])
            : Path.GetFullPath(o.KeyDirectory));
        builder.Services.Configure<StoreOptions>(section.GetSection("Storage"));
        builder.Services.Configure<ServerOptions>(section);
        builder.Services.AddOptions<ServerOptions>().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        builder.Services.AddOptions<ConnectionLimitOptions>().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ConnectionLimitOptions>, ConnectionLimitOptionsValidator>();

        var policyFile = section[nameof(BrokerOptions.PolicyFile)];
        if (string.IsNullOrWhiteSpace(policyFile))
        {
            policyFile = builder.Environment.IsDevelopment()
                ? Path.Combine(AppContext.BaseDirectory, "dev-policy.yaml")
                : throw new OptionsValidationException(BrokerOptions.Section, typeof(BrokerOptions), ["CredBroker:PolicyFile is not set: outside the Development environment the broker needs a policy file (--CredBroker:PolicyFile=policy.yaml); to try it locally with the dev policy and dev identities, pass --dev"]);
        }

        builder.AddPolicyFile(policyFile, server.PolicyCheckInterval);
        var broker = builder.Services.AddCredBroker();
        switch (server.Store.ToLowerInvariant())
        {
            case "memory":
                break;
            case "redis":
                // RedisStoreOptions names its keys in the CredBroker section itself (CredBroker:Redis, CredBroker:RedisTimeout, …).
                broker.UseRedisStore(o => section.Bind(o));
                break;
            default:
                throw new UnreachableException("ServerOptionsValidator admits only 'memory' and 'redis'");
        }

        builder.Services.Configure<AuditOptions>(section.GetSection(AuditOptions.Section));
        builder.Services.Configure<RedisAuditOptions>(section.GetSection(AuditOptions.Section));
        builder.Services.Configure<CredBroker.Core.Grants.RefusalLimitOptions>(section.GetSection(CredBroker.Core.Grants.RefusalLimitOptions.Section));
        builder.Services.PostConfigure<AuditOptions>(o => o.File = string.IsNullOrWhiteSpace(o.File) ? null : Path.GetFullPath(o.File));
        if (!string.IsNullOrWhiteSpace(section["Audit:File"]))
        {
            broker.AddAuditFile();
        }

        builder.AddBrokerIdentity(broker, server);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = server.MaxMessageBytes;
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<TelemetryInterceptor>();
            o.Interceptors.Add<AuthorizationInterceptor>();
            o.Interceptors.Add<AuditActorInterceptor>();
        });
        builder.AddBrokerObservability(server);
        builder.Services.AddHostedService<KeyRingRefresh>();
        builder.Services.AddHostedService<RevocationMaintenance>();
        builder.Services.AddHostedService<RevocationFeedService>();
        builder.Services.AddHostedService<CredBroker.Server.Audit.AuditCheckpointService>();
        builder.Services.AddHostedService<DurabilityRecovery>();

        var app = builder.Build();
        app.MapGrpcService<GrantRpc>();
        app.MapGrpcService<TaskRpc>();
        app.MapGrpcService<AdminRpc>();
        app.MapGrpcService<VerifyRpc>();
        app.MapWellKnown();
        app.MapTokenEndpoint();
        app.MapIntrospectionEndpoint();
        app.MapRevocationEndpoint();
        app.MapAuditKeys();
        app.MapBrokerObservability();
        return app;
    }

    private static void ConfigureKestrel(WebApplicationBuilder builder, ServerOptions server, ConnectionLimitOptions limits)
    {
        var jwksLocation = new JwksLocation();
        builder.Services.AddSingleton(jwksLocation);
        var explicitEndpoints = builder.Configuration.GetSection("Kestrel:Endpoints").Exists();
        var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey];
        var (grpcUrls, httpUrl) = Urls(urls, server);
        builder.Services.AddSingleton(new BrokerListeners(explicitEndpoints ? [] : [.. grpcUrls.Append(httpUrl).OfType<string>().Select(ToUri)]));
        if (!explicitEndpoints)
        {
            // The URLs become explicit listeners below; left in place as well, Kestrel would warn at
            // every start that it overrides them.
            builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Empty);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = server.MaxMessageBytes + 1024;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxConcurrentConnections = limits.MaxConnections;
            k.Limits.Http2.MaxStreamsPerConnection = limits.MaxStreamsPerConnection;
            k.Limits.KeepAliveTimeout = limits.KeepAliveTimeout;
            k.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            if (explicitEndpoints)
            {
                // Endpoints spelled out in configuration keep the protocols they name.
                return;
            }

            foreach (var url in grpcUrls)
            {
                // Cleartext HTTP/2 needs prior knowledge, which Kestrel offers only on an HTTP/2-only
                // endpoint; with TLS, ALPN serves gRPC and HTTP/1.1 clients on one port.
                Listen(k, url, tls => tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2);
            }

            if (httpUrl is not null)
            {
                // JWKS, metadata and health for HTTP/1.1 clients beside a cleartext gRPC port.
                Listen(k, httpUrl, tls => tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1, jwksLocation.UseListener);
            }
        });
    }

    private static void ThrowIfInvalid<T>(IValidateOptions<T> validator, T options, string section)
        where T : class
    {
        if (validator.Validate(Options.DefaultName, options) is { Failed: true } result)
        {
            throw new OptionsValidationException(section, typeof(T), result.Failures);
        }
    }

    private static (string[] Grpc, string? Http) Urls(string? urls, ServerOptions server)
    {
        // Loopback unless told otherwise: a broker is never exposed by accident.
        var grpcUrls = string.IsNullOrWhiteSpace(urls) ? [DefaultUrl] : urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var httpUrl = server.HttpUrl ?? (string.IsNullOrWhiteSpace(urls) ? DefaultHttpUrl : null);
        return (grpcUrls, string.IsNullOrWhiteSpace(httpUrl) ? null : httpUrl);
    }

    private static Uri ToUri(string url) => new(url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal));

    private static void Listen(KestrelServerOptions kestrel, string url, Func<bool, HttpProtocols> protocols, Action<Uri, ListenOptions>? listening = null)
    {
        var uri = ToUri(url);
        var tls = uri.Scheme == Uri.UriSchemeHttps;
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols(tls);
            listening?.Invoke(uri, listen);
            if (tls)
            {
                listen.UseHttps();
            }
        }

        if (uri.IsLoopback && uri.Host == "localhost")
        {
            kestrel.ListenLocalhost(uri.Port, Configure);
        }
        else
        {
            kestrel.Listen(System.Net.IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port, Configure);
        }
    }
}
