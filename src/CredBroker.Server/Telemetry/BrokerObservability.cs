using CredBroker.Core.Telemetry;
using CredBroker.Server.Configuration;
using CredBroker.Server.Http;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CredBroker.Server.Telemetry;

/// <summary>
/// What operators and platforms watch the broker with: traces and metrics (OpenTelemetry; OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> settings name an endpoint, Prometheus text on <c>/metrics</c> always), the probes
/// (<c>/healthz/live</c>, <c>/healthz/ready</c>, the gRPC health service) and gRPC server reflection.
/// </summary>
public static class BrokerObservability
{
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";

    /// <summary>The historical probe path: the same checks as <see cref="ReadyPath"/>.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>The service name traces and metrics carry unless <c>OTEL_SERVICE_NAME</c> names another.</summary>
    public const string ServiceName = "credbroker";

    /// <summary>Tag of the checks readiness is made of.</summary>
    private const string Ready = "ready";

    /// <summary>The broker's gRPC services, each reported by the gRPC health service under its own name.</summary>
    public static readonly IReadOnlyList<string> GrpcServices =
        ["credbroker.v1.GrantService", "credbroker.v1.TaskService", "credbroker.v1.AdminService", "credbroker.v1.VerifyService"];

    public static WebApplicationBuilder AddBrokerObservability(this WebApplicationBuilder builder, ServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(server);
        var configuration = builder.Configuration;
        var otlp = Set(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT");
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r =>
            {
                // A later attribute wins over the environment's, so the default is added only when none is given.
                if (!Set(configuration, "OTEL_SERVICE_NAME"))
                {
                    r.AddService(ServiceName);
                }
            })
            .WithMetrics(m =>
            {
                // No scrape cache: a scrape right after a decision shows it (the exporter caches 300 ms by default).
                m.AddMeter(BrokerMetrics.MeterName).AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp || Set(configuration, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"))
                {
                    m.AddOtlpExporter();
                }
            })
            .WithTracing(t =>
            {
                // Always on, exported or not: the HTTP server span continues the caller's W3C traceparent, and its
                // trace id is what every audit event of the call records.
                t.AddSource(BrokerTelemetry.Name).AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbe(http.Request.Path));
                if (otlp || Set(configuration, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
                {
                    t.AddOtlpExporter();
                }
            });

        builder.Services.AddGrpcHealthChecks(o =>
            {
                foreach (var service in GrpcServices.Prepend(string.Empty))
                {
                    o.Services.Map(service, r => r.Tags.Contains(Ready));
                }
            })
            .AddCheck<StoreHealthCheck>("store", tags: [Ready])
            .AddCheck<StoreSafetyHealthCheck>("store-safety", tags: [Ready])
            .AddCheck<AuditSinkHealthCheck>("audit", tags: [Ready])
            .AddCheck<SigningKeyHealthCheck>("signing-key", tags: [Ready])
            .AddCheck<PolicyHealthCheck>("policy", tags: [Ready]);
        if (ReflectionOn(server, builder.Environment))
        {
            builder.Services.AddGrpcReflection();
        }

        return builder;
    }

    public static WebApplication MapBrokerObservability(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcHealthChecksService();
        if (ReflectionOn(app.Services.GetRequiredService<IOptions<ServerOptions>>().Value, app.Environment))
        {
            app.MapGrpcReflectionService();
        }

        // Liveness runs no check: a broker whose store is down is alive, and restarting it would not bring the store back.
        app.MapHealthChecks(LivePath, new() { Predicate = _ => false });
        app.MapHealthChecks(ReadyPath, new() { Predicate = r => r.Tags.Contains(Ready) });
        app.MapHealthChecks(HealthPath, new() { Predicate = r => r.Tags.Contains(Ready) });

        // Prometheus text on GET /metrics, on every listener (the HTTP/1.1 one is where scrapers come).
        app.MapPrometheusScrapingEndpoint();
        return app;
    }

    /// <summary>Reflection lists every service and message: a map for an attacker as much as for an operator, so off by default outside Development.</summary>
    private static bool ReflectionOn(ServerOptions server, IHostEnvironment environment) => server.GrpcReflection ?? environment.IsDevelopment();

    private static bool IsProbe(PathString path) => path.StartsWithSegments(HealthPath) || path.StartsWithSegments("/metrics");

    private static bool Set(ConfigurationManager configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);
}
