using System.Collections.Concurrent;
using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CredBroker.Server.Tests;

/// <summary>
/// With the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, the broker exports its traces and metrics by OTLP
/// (here to an in-process receiver speaking OTLP/HTTP), and the exported trace is the one the audit event names.
/// </summary>
public sealed class OtlpExportTests
{
    [Test]
    public async Task With_an_OTLP_endpoint_set_the_broker_exports_the_trace_its_audit_event_names_and_its_metrics()
    {
        var received = new ConcurrentQueue<(string Path, byte[] Body)>();
        var receiverBuilder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        receiverBuilder.Logging.ClearProviders();
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/v1/{signal}", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            received.Enqueue((http.Request.Path.Value!, body.ToArray()));
            return Results.Ok();
        });
        await receiver.StartAsync();
        var endpoint = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var broker = await BrokerFixture.StartAsync(settings: new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
        string traceId;
        await using (broker)
        {
            var grant = await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "read a ticket", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support));
            var audit = broker.Services.GetRequiredService<InMemoryAuditSink>();
            traceId = (await audit.ReadAsync(null, 10_000, CancellationToken.None)).Select(r => r.Event).Single(e => e.Kind == AuditKinds.GrantIssued && e.GrantId == grant.Grant.GrantId).TraceId;

            // Stopping the broker flushes its exporters.
            await broker.StopAsync();
        }

        Assert.That(traceId, Has.Length.EqualTo(32), "the grant's audit event carries a trace id");
        var traces = received.Where(r => r.Path == "/v1/traces").Select(r => r.Body).ToList();
        Assert.That(traces, Is.Not.Empty, "traces were exported");
        Assert.That(traces.Any(body => Contains(body, Convert.FromHexString(traceId))), Is.True, "the exported spans include the grant's trace");
        Assert.That(received.Select(r => r.Path), Does.Contain("/v1/metrics"), "metrics were exported too");
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
