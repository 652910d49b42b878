using CredBroker.Verifier;

namespace CredBroker.LoadTest.Broker;

/// <summary>
/// The tool-side verifier (<see cref="TokenVerifier"/>) as a tool server embeds it, pointed at a bench
/// broker: JWKS from the broker's gRPC port (HTTP/2 prior knowledge, as that port speaks only HTTP/2),
/// revocations from a connected <c>WatchRevocations</c> stream.
/// </summary>
public sealed class BenchVerifier : IAsyncDisposable
{
    private readonly ServiceProvider services;
    private readonly List<IHostedService> hosted;

    private BenchVerifier(ServiceProvider services, List<IHostedService> hosted)
    {
        this.services = services;
        this.hosted = hosted;
        Verifier = services.GetRequiredService<TokenVerifier>();
        Revocations = services.GetRequiredService<RevocationCache>();
    }

    public TokenVerifier Verifier { get; }

    public RevocationCache Revocations { get; }

    /// <summary>Starts the verifier and waits until its JWKS is loaded and its revocation view is fresh.</summary>
    /// <param name="configure">Settings laid over the bench's own (e.g. the validated-token cache size).</param>
    public static async Task<BenchVerifier> StartAsync(Uri broker, string toolIdentityToken, Action<CredBrokerVerifierOptions>? configure = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        collection.AddCredBrokerVerifier(o =>
        {
            o.BrokerAddress = broker;
            o.Issuer = BenchBroker.Issuer;
            o.Audience = BenchPolicy.Audience;
            o.IdentityToken = _ => ValueTask.FromResult(toolIdentityToken);
            configure?.Invoke(o);
        });
        collection.AddHttpClient(JwksCache.HttpClientName).ConfigureHttpClient(c =>
        {
            c.DefaultRequestVersion = System.Net.HttpVersion.Version20;
            c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        });
        var provider = collection.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        var verifier = new BenchVerifier(provider, hosted);
        if (!await provider.GetRequiredService<JwksCache>().LoadAsync(CancellationToken.None))
        {
            await verifier.DisposeAsync();
            throw new InvalidOperationException("the verifier could not load the broker's JWKS");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!verifier.Revocations.IsFresh)
        {
            if (DateTime.UtcNow > deadline)
            {
                await verifier.DisposeAsync();
                throw new InvalidOperationException("the verifier's revocation view did not become fresh within 30 s");
            }

            await Task.Delay(20);
        }

        return verifier;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

        await services.DisposeAsync();
    }
}
