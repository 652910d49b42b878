using CredBroker.Server;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CredBroker.LoadTest.Broker;

/// <summary>
/// The production host (<see cref="BrokerHost.Build"/>) set up for a bench run: loopback on a free
/// port, dev identities, <see cref="BenchPolicy"/>, logging at Warning (a console line per grant would
/// measure the console), and a <see cref="StatusCounter"/> in front of every call.
/// </summary>
public static class BenchBroker
{
    public const string Issuer = "https://credbroker.bench";
    public const string StatusPath = "/bench/status";

    /// <summary>Writes the bench policy into <paramref name="directory"/> and builds the broker over it.</summary>
    public static WebApplication Build(string directory, string store, string? redis, string? redisKeyPrefix, bool quietLogs = true)
    {
        var policyFile = Path.Combine(directory, "policy.yaml");
        File.WriteAllText(policyFile, BenchPolicy.Yaml);
        var settings = new Dictionary<string, string?>
        {
            ["CredBroker:Issuer"] = Issuer,
            ["CredBroker:PolicyFile"] = policyFile,
            ["CredBroker:Keys:KeyDirectory"] = KeyDirectory(directory),
            ["CredBroker:DevIdentities"] = "true",
            ["CredBroker:Store"] = store,
            ["CredBroker:Redis"] = redis,
            ["CredBroker:RedisKeyPrefix"] = redisKeyPrefix,
        };

        var app = BrokerHost.Build(["--urls", "http://127.0.0.1:0", "--environment", "Production"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            if (quietLogs)
            {
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                // The dev-identity warning and each kill-switch rule would be noise in every run's output.
                builder.Logging.AddFilter("CredBroker", LogLevel.Error);
                // h2load ends a timed run by closing its connections with calls in flight; each such call
                // is logged as an error by the gRPC server though nothing failed in the broker.
                builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Critical);
                builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
            }

            builder.Services.AddSingleton<StatusCounter>();
            // Registered before BrokerHost adds its own: the outermost interceptor sees every refusal.
            builder.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add<StatusCounter>());
        });
        app.MapGet(StatusPath, (StatusCounter counter) => counter.Snapshot());
        return app;
    }

    public static string KeyDirectory(string directory) => Path.Combine(directory, "keys");

    /// <summary>The gRPC address the started broker listens on.</summary>
    public static Uri Address(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>
    /// The child-process broker (<c>CredBroker.LoadTest broker --dir D --store S [--redis R] [--prefix P]</c>):
    /// prints <c>listening &lt;url&gt;</c> once ready and stops when its standard input closes, so it
    /// never outlives the load generator that started it.
    /// </summary>
    public static async Task<int> RunChildAsync(IReadOnlyList<string> args)
    {
        string? directory = null, store = "memory", redis = null, prefix = null;
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case "--dir": directory = args[i + 1]; break;
                case "--store": store = args[i + 1]; break;
                case "--redis": redis = args[i + 1]; break;
                case "--prefix": prefix = args[i + 1]; break;
                default: throw new ArgumentException($"broker: unknown option {args[i]}");
            }
        }

        await using var app = Build(directory ?? throw new ArgumentException("broker: --dir is required"), store, redis, prefix);
        await app.StartAsync();
        await Console.Out.WriteLineAsync("listening " + Address(app));
        await Console.Out.FlushAsync();
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }
}
