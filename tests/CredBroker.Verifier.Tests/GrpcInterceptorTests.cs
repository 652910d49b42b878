using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Verifier.Grpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// A gRPC tool server guarded by <see cref="CredBrokerTokenInterceptor"/>, on real Kestrel: the standard health
/// service stands in for a tool's methods, <c>Check</c> mapped to <c>tickets.read</c>, <c>Watch</c> left unmapped.
/// </summary>
public sealed class GrpcInterceptorTests
{
    private const string CheckMethod = "/grpc.health.v1.Health/Check";

    private BrokerFixture broker = null!;
    private WebApplication server = null!;
    private GrpcChannel channel = null!;
    private CapturedLogs logs = null!;

    [SetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync();
        logs = new CapturedLogs();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddCredBrokerVerifier(o =>
        {
            o.BrokerAddress = broker.Address;
            o.Issuer = BrokerFixture.Issuer;
            o.Audience = VerifierHarness.Audience;
            o.IdentityToken = _ => ValueTask.FromResult(broker.IdentityToken(TestPolicy.Tool));
        });
        builder.Services.AddHttpClient(JwksCache.HttpClientName).ConfigureHttpClient(c =>
        {
            c.DefaultRequestVersion = System.Net.HttpVersion.Version20;
            c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        });
        builder.Services.AddCredBrokerGrpcTools(o => o.Map(CheckMethod, "tickets.read"));
        builder.Services.AddGrpc(o => o.Interceptors.Add<CredBrokerTokenInterceptor>());
        builder.Services.AddGrpcHealthChecks();
        server = builder.Build();
        server.MapGrpcHealthChecksService();
        await server.StartAsync();
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        channel = GrpcChannel.ForAddress(address);
        var cache = server.Services.GetRequiredService<RevocationCache>();
        await Eventually.TrueAsync(() => Task.FromResult(cache.IsFresh), TimeSpan.FromSeconds(15), "the gRPC tool server to follow the broker");
    }

    [TearDown]
    public async Task Stop()
    {
        channel.Dispose();
        await server.StopAsync();
        await server.DisposeAsync();
        await broker.DisposeAsync();
    }

    private Health.HealthClient Client => new(channel);

    private static CallOptions Bearer(string? token) =>
        new(token is null ? [] : new Metadata { { "authorization", "Bearer " + token } });

    [Test]
    public async Task A_token_granting_the_mapped_tool_is_let_through()
    {
        var grant = await broker.GrantAsync();

        var reply = await Client.CheckAsync(new HealthCheckRequest(), Bearer(grant.AccessToken));

        // The health service itself answered: the interceptor let the call through to it.
        Assert.That(reply, Is.Not.Null);
    }

    [Test]
    public void A_call_without_a_token_is_unauthenticated()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await Client.CheckAsync(new HealthCheckRequest(), Bearer(null)));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
    }

    [Test]
    public async Task A_token_without_the_tool_is_permission_denied()
    {
        var grant = await broker.GrantAsync(tool: "tickets.write");

        var error = Assert.ThrowsAsync<RpcException>(async () => await Client.CheckAsync(new HealthCheckRequest(), Bearer(grant.AccessToken)));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.StartWith("ToolNotInScope"));
    }

    [Test]
    public async Task An_unmapped_method_is_refused_whatever_the_token()
    {
        var grant = await broker.GrantAsync();
        using var call = Client.Watch(new HealthCheckRequest(), Bearer(grant.AccessToken));

        var error = Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain("not mapped to a tool"));
    }

    [Test]
    public async Task A_revoked_token_is_unauthenticated_once_the_revocation_arrives()
    {
        var grant = await broker.GrantAsync();
        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId }, broker.As(TestPolicy.Operator));

        var error = await Eventually.ResultAsync(
            async () =>
            {
                try
                {
                    await Client.CheckAsync(new HealthCheckRequest(), Bearer(grant.AccessToken));
                    return null;
                }
                catch (RpcException e)
                {
                    return e;
                }
            },
            e => e is not null,
            Brokers.StalenessBound,
            "the interceptor to refuse the revoked token");

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.StartWith("Revoked: grant was revoked"));
    }
}
