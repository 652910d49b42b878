using CredBroker.Core.Identity;
using CredBroker.Protocol.V1;
using CredBroker.Server;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CredBroker.Testing.Broker;

/// <summary>
/// A real broker: the production host on Kestrel at 127.0.0.1:0, reached through the generated
/// clients over a real HTTP/2 connection. Identities come from the broker's dev issuer.
/// </summary>
public sealed class BrokerFixture : IAsyncDisposable
{
    public const string Issuer = "https://credbroker.test";

    private readonly WebApplication app;
    private readonly DevIdentityIssuer? identities;
    private bool stopped;

    private BrokerFixture(WebApplication app, string directory, Uri address, CapturedLogs logs)
    {
        this.app = app;
        Directory = directory;
        Address = address;
        Logs = logs;
        identities = app.Services.GetService<DevIdentityIssuer>();
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxSendMessageSize = null, MaxReceiveMessageSize = null });
        Http = new HttpClient { BaseAddress = address, DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
    }

    /// <summary>Where this broker keeps its keys and policy; a second broker given the same directory shares them.</summary>
    public string Directory { get; }

    public Uri Address { get; }

    public CapturedLogs Logs { get; }

    public GrpcChannel Channel { get; }

    /// <summary>HTTP/2 client for the well-known endpoints on the same port.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => app.Services;

    /// <param name="redis">A Redis endpoint to use as the store; null for the in-memory store.</param>
    /// <param name="directory">An existing broker directory to reuse (keys and policy); null for a fresh one.</param>
    /// <param name="settings">Configuration laid over the fixture's own; a null value removes a setting.</param>
    /// <param name="url">Where to listen; <c>https://127.0.0.1:0</c> with <c>CredBroker:Tls</c> settings for TLS.</param>
    /// <param name="time">The broker's clock; the system clock when null.</param>
    /// <param name="redisKeyPrefix">Keeps this broker's Redis keys apart, e.g. for tests of global rules such as the kill switch.</param>
    /// <param name="services">Registers services before the broker's own, so they win where it uses TryAdd (seams such as a failing replay guard).</param>
    public static async Task<BrokerFixture> StartAsync(
        string? redis = null,
        string? directory = null,
        string policy = TestPolicy.Yaml,
        IReadOnlyDictionary<string, string?>? settings = null,
        string url = "http://127.0.0.1:0",
        TimeProvider? time = null,
        Action<IServiceCollection>? services = null,
        string? redisKeyPrefix = null)
    {
        directory ??= System.IO.Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        var policyFile = Path.Combine(directory, "policy.yaml");
        await File.WriteAllTextAsync(policyFile, policy);
        var merged = new Dictionary<string, string?>
        {
            ["CredBroker:Issuer"] = Issuer,
            ["CredBroker:PolicyFile"] = policyFile,
            ["CredBroker:Keys:KeyDirectory"] = Path.Combine(directory, "keys"),
            ["CredBroker:DevIdentities"] = "true",
            ["CredBroker:Store"] = redis is null ? "memory" : "redis",
            ["CredBroker:Redis"] = redis,
            ["CredBroker:RedisKeyPrefix"] = redisKeyPrefix,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = value;
            }
        }

        var logs = new CapturedLogs();
        var app = BrokerHost.Build(["--urls", url, "--environment", "Production"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(merged);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            // A rule for this provider wins over appsettings.json's "Default": "Information", so Debug lines are captured too.
            builder.Logging.AddFilter<CapturedLogs>(null, LogLevel.Debug);
            // That rule also hides appsettings.json's silencing of the per-probe health-check lines (an unready broker
            // is answered by its probe; the cause is logged once by the part that failed), so it is repeated here.
            builder.Logging.AddFilter<CapturedLogs>("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical);
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }

            services?.Invoke(builder.Services);
        });

        try
        {
            await app.StartAsync();
        }
        catch
        {
            // The test sees the exception; what the host logged on its way down (the cause, its own "failed to start") is that same failure.
            logs.ExpectErrors();
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BrokerFixture(app, directory, new Uri(address), logs);
    }

    public string IdentityToken(string spiffeId) =>
        (identities ?? throw new InvalidOperationException("this broker runs without dev identities")).Issue(spiffeId, TimeSpan.FromMinutes(10));

    /// <summary>Call options carrying <paramref name="token"/> as the bearer identity.</summary>
    public static CallOptions Bearer(string token) => new(new Metadata { { "authorization", "Bearer " + token } });

    public CallOptions As(string spiffeId) => new(new Metadata { { "authorization", "Bearer " + IdentityToken(spiffeId) } });

    public GrantService.GrantServiceClient Grants => new(Channel);

    public TaskService.TaskServiceClient Tasks => new(Channel);

    public AdminService.AdminServiceClient Admin => new(Channel);

    public VerifyService.VerifyServiceClient Verify => new(Channel);

    public static string NewTaskId() => "t-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Stops the broker but keeps its directory, for restart tests.</summary>
    public async Task StopAsync()
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        Channel.Dispose();
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
