using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CredBroker.Core.SigningKeys;
using CredBroker.Testing.Broker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CredBroker.Verifier.Tests;

/// <summary>A JWKS endpoint on loopback (HTTP/2 without TLS, like the broker's port) serving whichever keys are published now, counting requests.</summary>
public sealed class JwksHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private volatile ECDsa[] published = [];
    private int requests;

    private JwksHost(WebApplication app) => this.app = app;

    public Uri JwksUri { get; private set; } = null!;

    public int Requests => Volatile.Read(ref requests);

    /// <summary>While set, the endpoint answers 503.</summary>
    public bool Failing { get; set; }

    public static async Task<JwksHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var host = new JwksHost(app);
        app.MapGet("/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref host.requests);
            return host.Failing ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Text(host.Document(), "application/json");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.JwksUri = new Uri(new Uri(address), "/.well-known/jwks.json");
        return host;
    }

    public void Publish(params ECDsa[] keys) => published = keys;

    /// <summary>The RFC 7638 thumbprint the broker uses as kid.</summary>
    public static string Kid(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        return SigningKey.Thumbprint(TokenParts.Encode(q.X!), TokenParts.Encode(q.Y!));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private string Document()
    {
        var keys = new JsonArray();
        foreach (var key in published)
        {
            var q = key.ExportParameters(false).Q;
            keys.Add(new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = TokenParts.Encode(q.X!), ["y"] = TokenParts.Encode(q.Y!), ["kid"] = Kid(key), ["use"] = "sig", ["alg"] = "ES256" });
        }

        return new JsonObject { ["keys"] = keys }.ToJsonString();
    }
}
