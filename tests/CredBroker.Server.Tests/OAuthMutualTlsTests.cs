using System.Net;
using System.Security.Cryptography.X509Certificates;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Tls;

namespace CredBroker.Server.Tests;

/// <summary>
/// <c>client_credentials</c> with RFC 8705 <c>tls_client_auth</c>: the HTTP listener serves TLS, and a client
/// whose certificate is an X.509-SVID of its trust domain's bundle is the workload its URI SAN names, checked by
/// the same validator as gRPC's mTLS. All certificates are made by the test.
/// </summary>
public sealed class OAuthMutualTlsTests
{
    private X509Certificate2 serverCa = null!;
    private X509Certificate2 workloadCa = null!;
    private X509Certificate2 strangerCa = null!;
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        serverCa = TestCertificates.CreateCa("broker server CA");
        workloadCa = TestCertificates.CreateCa("test.local SPIFFE CA");
        strangerCa = TestCertificates.CreateCa("someone else's CA");
        var directory = Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        using var server = TestCertificates.IssueServer(serverCa);
        TestCertificates.WritePem(server, Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"));
        TestCertificates.WritePem(workloadCa, Path.Combine(directory, "bundle.pem"));
        broker = await BrokerFixture.StartAsync(directory: directory, settings: new Dictionary<string, string?>
        {
            ["CredBroker:HttpUrl"] = "https://127.0.0.1:0",
            ["CredBroker:Tls:CertificateFile"] = Path.Combine(directory, "server.pem"),
            ["CredBroker:Tls:KeyFile"] = Path.Combine(directory, "server.key"),
            ["CredBroker:Tls:TrustBundles:0:TrustDomain"] = "test.local",
            ["CredBroker:Tls:TrustBundles:0:CaFile"] = Path.Combine(directory, "bundle.pem"),
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await broker.DisposeAsync();
        serverCa.Dispose();
        workloadCa.Dispose();
        strangerCa.Dispose();
    }

    [TearDown]
    public void NoUnexpectedErrors() => Assert.That(broker.Logs.Errors, Is.Empty);

    private async Task<Duende.IdentityModel.Client.TokenResponse> RequestWith(X509Certificate2? certificate, string? clientId = null)
    {
        using var client = await OAuthClient.ForAsync(broker, TlsChannels.Handler(serverCa, certificate));
        return await client.ClientCredentialsAsync(null, "tickets.read", "https://tickets.test", OAuthClient.Details(BrokerFixture.NewTaskId()), clientId);
    }

    [Test]
    public async Task An_X509_SVID_client_certificate_gets_a_token_for_its_workload()
    {
        using var svid = TestCertificates.IssueClient(workloadCa, TestPolicy.Support);
        var response = await RequestWith(svid, clientId: TestPolicy.Support);
        Assert.That(response.IsError, Is.False, response.Raw);
        Assert.That(TokenParts.Parse(response.AccessToken!).Payload.GetProperty("sub").GetString(), Is.EqualTo(TestPolicy.Support));
    }

    [Test]
    public async Task A_certificate_from_another_CA_is_invalid_client()
    {
        using var svid = TestCertificates.IssueClient(strangerCa, TestPolicy.Support);
        var response = await RequestWith(svid);
        Assert.That(response.HttpStatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(OAuthClient.Error(response), Is.EqualTo("invalid_client"));
        Assert.That(OAuthClient.Description(response), Does.StartWith("client certificate: "));
    }

    [Test]
    public async Task A_certificate_without_a_SPIFFE_ID_is_invalid_client()
    {
        using var plain = TestCertificates.IssueClient(workloadCa, null);
        var response = await RequestWith(plain);
        Assert.That(OAuthClient.Error(response), Is.EqualTo("invalid_client"));
    }

    [Test]
    public async Task A_client_id_naming_another_workload_than_the_certificate_is_invalid_client()
    {
        using var svid = TestCertificates.IssueClient(workloadCa, TestPolicy.Support);
        var response = await RequestWith(svid, clientId: TestPolicy.Coder);
        Assert.That(OAuthClient.Error(response), Is.EqualTo("invalid_client"));
        Assert.That(OAuthClient.Description(response), Does.Contain("is not the authenticated identity"));
    }
}
