using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CredBroker.Client;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using ToolServer;

namespace CredBroker.Verifier.Tests;

/// <summary>The sample tool server (ASP.NET Core scheme + tool requirement) against a real broker, over real HTTP.</summary>
public sealed class ToolServerTests
{
    /// <summary>The test policy, with the sample's second tool added for the support agent.</summary>
    public const string Policy = """
        version: 1
        limits:
          maxTtl: 10m
          defaultTtl: 2m
          maxToolsPerGrant: 4
        tools:
          - name: tickets.read
            audience: https://tickets.test
          - name: tickets.comment
            audience: https://tickets.test
          - name: repo.read
            audience: https://git.test
        audiences:
          https://tickets.test: { servers: [spiffe://test.local/tools/tickets] }
        workloads:
          - name: support-agent
            id: spiffe://test.local/agents/support
            owner: team-support
            tools: [tickets.read, tickets.comment]
          - name: coding-agents
            id: spiffe://test.local/agents/coding/*
            owner: team-platform
            tools: [repo.read]
        roles:
          orchestrator: [spiffe://test.local/orchestrator]
          operator: [spiffe://test.local/operator]
          approver: [spiffe://test.local/approver]
          tool: [spiffe://test.local/tools/*]
        """;

    private BrokerFixture broker = null!;
    private WebApplication server = null!;
    private HttpClient http = null!;
    private CapturedLogs logs = null!;

    [SetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync(policy: Policy);
        logs = new CapturedLogs();
        server = ToolServerHost.Build(["--urls", "http://127.0.0.1:0", "--environment", "Production"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CredBroker:Verifier:BrokerAddress"] = broker.Address.ToString(),
                ["CredBroker:Verifier:Issuer"] = BrokerFixture.Issuer,
                ["CredBroker:Verifier:Audience"] = VerifierHarness.Audience,
                ["CredBroker:Verifier:JwksUri"] = new Uri(broker.Address, "/.well-known/jwks.json").ToString(),
                ["CredBroker:Verifier:MaxStaleness"] = "00:00:01",
                ["CredBroker:Verifier:MaxReconnectDelay"] = "00:00:00.500",
                ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Tool),
            });
            builder.Logging.ClearProviders().AddProvider(logs);
            builder.Services.AddHttpClient(JwksCache.HttpClientName).ConfigureHttpClient(c =>
            {
                c.DefaultRequestVersion = HttpVersion.Version20;
                c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            });
        });
        await server.StartAsync();
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        http = new HttpClient { BaseAddress = new Uri(address) };
        var cache = server.Services.GetRequiredService<RevocationCache>();
        await Eventually.TrueAsync(() => Task.FromResult(cache.IsFresh), TimeSpan.FromSeconds(15), "the tool server to follow the broker");
    }

    [TearDown]
    public async Task Stop()
    {
        http.Dispose();
        await server.StopAsync();
        await server.DisposeAsync();
        await broker.DisposeAsync();
    }

    private async Task<Grant> GrantAsync(string tool) => await broker.GrantAsync(tool: tool);

    private async Task<HttpResponseMessage> GetTicketsAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tickets");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    [Test]
    public async Task A_token_granting_the_tool_reads_the_tickets()
    {
        using var response = await GetTicketsAsync((await GrantAsync(ToolServerHost.ReadTool)).AccessToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Customer cannot log in"));
    }

    [Test]
    public async Task Without_a_token_the_challenge_names_the_protected_resource_metadata()
    {
        using var response = await GetTicketsAsync(null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo($"Bearer resource_metadata=\"{new Uri(http.BaseAddress!, "/.well-known/oauth-protected-resource")}\""));
    }

    [Test]
    public async Task The_protected_resource_metadata_names_the_audience_the_broker_and_every_tool_an_endpoint_requires()
    {
        var metadata = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/.well-known/oauth-protected-resource");
        static string?[] Strings(System.Text.Json.JsonElement array) => array.EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(metadata.GetProperty("resource").GetString(), Is.EqualTo(VerifierHarness.Audience));
            Assert.That(Strings(metadata.GetProperty("authorization_servers")), Is.EqualTo(new[] { BrokerFixture.Issuer }));
            Assert.That(Strings(metadata.GetProperty("scopes_supported")), Is.EqualTo(new[] { ToolServerHost.CommentTool, ToolServerHost.ReadTool }));
            Assert.That(Strings(metadata.GetProperty("bearer_methods_supported")), Is.EqualTo(new[] { "header" }));
        });
    }

    [Test]
    public async Task A_token_for_another_tool_is_forbidden_with_insufficient_scope()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tickets/42/comments") { Content = JsonContent.Create(new { text = "looking" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await GrantAsync(ToolServerHost.ReadTool)).AccessToken);

        using var response = await http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.That(challenge, Does.Contain("error=\"insufficient_scope\""));
        Assert.That(challenge, Does.Contain($"scope=\"{ToolServerHost.CommentTool}\""), "RFC 6750 section 3.1: the scope the client must ask for");
        Assert.That(challenge, Does.Contain("resource_metadata=\""));
    }

    [Test]
    public async Task A_token_granting_comment_posts_a_comment_signed_by_its_workload()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tickets/42/comments") { Content = JsonContent.Create(new { text = "looking" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await GrantAsync(ToolServerHost.CommentTool)).AccessToken);

        using var response = await http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain($"{TestPolicy.Support} (t-"));
    }

    [Test]
    public async Task A_revoked_token_is_refused_with_invalid_token_and_the_reason()
    {
        var grant = await GrantAsync(ToolServerHost.ReadTool);
        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId }, broker.As(TestPolicy.Operator));

        var challenge = await Eventually.ResultAsync(
            async () =>
            {
                using var response = await GetTicketsAsync(grant.AccessToken);
                return response.StatusCode == HttpStatusCode.Unauthorized ? response.Headers.WwwAuthenticate.ToString() : null;
            },
            c => c is not null,
            Brokers.StalenessBound,
            "the tool server to refuse the revoked token");

        Assert.That(challenge, Does.Contain("error=\"invalid_token\""));
        Assert.That(challenge, Does.Contain("grant was revoked"));
    }

    [Test]
    public async Task A_forged_token_is_refused_and_a_stale_server_answers_503()
    {
        var attacker = TokenForge.Attacker();
        using (var forged = await GetTicketsAsync(attacker.Sign(attacker.Header(), TokenForge.Claims())))
        {
            Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(forged.Headers.WwwAuthenticate.ToString(), Does.Contain("does not publish"));
        }

        var grant = await GrantAsync(ToolServerHost.ReadTool);
        using (var ready = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative)))
        {
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "ready while the revocation view is fresh");
        }

        await broker.StopAsync();

        var status = await Eventually.ResultAsync(
            async () =>
            {
                using var response = await GetTicketsAsync(grant.AccessToken);
                return response.StatusCode;
            },
            s => s != HttpStatusCode.OK,
            TimeSpan.FromSeconds(6),
            "the tool server to notice it is cut off");
        Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        // ASP.NET's health-check service logs an unhealthy probe as an error: here it is the answer the test asks for.
        logs.ExpectErrorsFrom("Microsoft.Extensions.Diagnostics.HealthChecks");
        using var stale = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the verifier's health check: revocation view stale");
    }

    [Test]
    public async Task One_trace_spans_the_client_the_brokers_RequestGrant_and_the_verifier_and_the_grants_audit_event_carries_it()
    {
        var spans = new List<Activity>();
        using var agentSource = new ActivitySource("test.agent");
        ActivityTraceId trace;
        BrokerGrant grant;
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(agentSource.Name, CredBrokerClient.ActivitySourceName, "CredBroker", TokenVerifier.ActivitySourceName, "Microsoft.AspNetCore")
            .AddInMemoryExporter(spans)
            .Build())
        {
            using var client = CredBrokerClient.Create(new CredBrokerClientOptions { Address = broker.Address, IdentityToken = broker.IdentityToken(TestPolicy.Support), AllowCleartext = true });
            using var action = agentSource.StartActivity("agent reads the tickets")!;
            trace = action.TraceId;
            grant = await client.RequestGrantAsync(new GrantRequest(BrokerFixture.NewTaskId(), "read the queue", [ToolServerHost.ReadTool]));
            using var response = await GetTicketsAsync(grant.AccessToken);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // The provider is shut down: nothing is added to the list while it is read.
        var inTrace = spans.Where(s => s.TraceId == trace).Select(s => (s.Source.Name, s.DisplayName)).ToList();
        Assert.That(inTrace, Does.Contain((CredBrokerClient.ActivitySourceName, "CredBrokerClient.RequestGrant")), "the client's span");
        Assert.That(inTrace, Does.Contain(("CredBroker", "/credbroker.v1.GrantService/RequestGrant")), "the broker's span, from the traceparent the client sent");
        Assert.That(inTrace, Does.Contain((TokenVerifier.ActivitySourceName, "TokenVerifier.Validate")), "the verifier's span on the tool server");

        var audit = broker.Services.GetRequiredService<CredBroker.Core.Audit.InMemoryAuditSink>();
        var issued = (await audit.ReadAsync(null, 10_000, CancellationToken.None)).Select(r => r.Event).Single(e => e.Kind == CredBroker.Core.Audit.AuditKinds.GrantIssued && e.GrantId == grant.GrantId);
        Assert.That(issued.TraceId, Is.EqualTo(trace.ToHexString()));
        Assert.That(CredBroker.Core.Audit.AuditCanonical.ToJson(issued), Does.Contain($"\"trace_id\":\"{trace.ToHexString()}\""), "the stored line carries it");
    }
}
