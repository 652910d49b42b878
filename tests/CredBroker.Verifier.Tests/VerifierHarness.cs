using System.Diagnostics.Metrics;
using System.Net;
using CredBroker.Testing.Broker;
using CredBroker.Verifier;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// A real verifier, built the way a tool server builds it (<c>AddCredBrokerVerifier</c>), following a real
/// broker over loopback. The JWKS is read from the broker's gRPC port, so its client speaks HTTP/2 there.
/// </summary>
public sealed class VerifierHarness : IAsyncDisposable
{
    public const string Audience = "https://tickets.test";

    private readonly ServiceProvider services;
    private readonly List<IHostedService> hosted;

    private VerifierHarness(ServiceProvider services, List<IHostedService> hosted, CapturedLogs logs)
    {
        this.services = services;
        this.hosted = hosted;
        Logs = logs;
        Verifier = services.GetRequiredService<TokenVerifier>();
        Cache = services.GetRequiredService<RevocationCache>();
        Jwks = services.GetRequiredService<JwksCache>();
    }

    public TokenVerifier Verifier { get; }

    public RevocationCache Cache { get; }

    internal JwksCache Jwks { get; }

    public CapturedLogs Logs { get; }

    /// <summary>This verifier's meter factory: the scope of its meters.</summary>
    public IMeterFactory Meters => services.GetRequiredService<IMeterFactory>();

    /// <summary>Starts a verifier against <paramref name="broker"/> (identity: the test policy's tool) and waits until its view is fresh.</summary>
    public static async Task<VerifierHarness> StartAsync(BrokerFixture broker, Action<CredBrokerVerifierOptions>? configure = null, TimeProvider? time = null, bool waitFresh = true) =>
        await StartAsync(broker.Address, () => broker.IdentityToken(TestPolicy.Tool), configure, time, waitFresh);

    /// <param name="follow">False: do not start the revocation watcher (tests of the JWKS cache alone).</param>
    public static async Task<VerifierHarness> StartAsync(Uri broker, Func<string> identity, Action<CredBrokerVerifierOptions>? configure = null, TimeProvider? time = null, bool waitFresh = true, bool follow = true)
    {
        var logs = new CapturedLogs();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        // As a host built with Host.CreateApplicationBuilder has: meters from a factory, so a test listens to this verifier's alone.
        collection.AddMetrics();
        if (time is not null)
        {
            collection.AddSingleton(time);
        }

        collection.AddCredBrokerVerifier(o =>
        {
            o.BrokerAddress = broker;
            o.Issuer = BrokerFixture.Issuer;
            o.Audience = Audience;
            o.IdentityToken = _ => ValueTask.FromResult(identity());
            configure?.Invoke(o);
        });
        collection.AddHttpClient(JwksCache.HttpClientName).ConfigureHttpClient(c =>
        {
            c.DefaultRequestVersion = HttpVersion.Version20;
            c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        });
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        // What the host does at start: validate options (ValidateOnStart), then start hosted services.
        _ = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<CredBrokerVerifierOptions>>().Value;
        var hosted = follow ? provider.GetServices<IHostedService>().ToList() : [];
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        var harness = new VerifierHarness(provider, hosted, logs);
        if (waitFresh && follow)
        {
            await harness.WaitFreshAsync();
        }

        return harness;
    }

    public async Task WaitFreshAsync() =>
        await Eventually.TrueAsync(() => Task.FromResult(Cache.IsFresh), TimeSpan.FromSeconds(15), "the verifier's revocation view to become fresh");

    /// <summary>Cuts the verifier off the revocation stream while the broker stays up: stops its background watcher.</summary>
    public async Task StopFollowingAsync()
    {
        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

        hosted.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopFollowingAsync();

        await services.DisposeAsync();
    }
}
