using System.Security.Cryptography.X509Certificates;
using CredBroker.Testing.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CredBroker.Testing.Identity;

/// <summary>
/// An identity provider's JWKS endpoint on https://127.0.0.1:0, with a certificate from its own test CA,
/// serving whatever the issuer publishes at this moment and counting how often it is asked.
/// </summary>
public sealed class JwksTestHost : IAsyncDisposable
{
    public const string Path = "/.well-known/jwks.json";

    private readonly WebApplication app;
    private int requests;

    private JwksTestHost(WebApplication app, X509Certificate2 ca, string caFile)
    {
        this.app = app;
        Ca = ca;
        CaFile = caFile;
    }

    /// <summary>The CA its server certificate chains to; the broker trusts it through <see cref="CaFile"/>.</summary>
    public X509Certificate2 Ca { get; }

    public string CaFile { get; }

    public Uri JwksUri { get; private set; } = null!;

    public int Requests => Volatile.Read(ref requests);

    /// <param name="publish">The JWKS document to serve, read on every request.</param>
    public static async Task<JwksTestHost> StartAsync(Func<string> publish, string directory)
    {
        var ca = TestCertificates.CreateCa("jwks test CA");
        var caFile = System.IO.Path.Combine(directory, "jwks-ca.pem");
        TestCertificates.WritePem(ca, caFile);
        var certificate = TestCertificates.IssueServer(ca);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        JwksTestHost? host = null;
        app.MapGet(Path, () =>
        {
            Interlocked.Increment(ref host!.requests);
            return Results.Text(publish(), "application/json");
        });
        host = new JwksTestHost(app, ca, caFile);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.JwksUri = new Uri(new Uri(address), Path);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Ca.Dispose();
    }
}
