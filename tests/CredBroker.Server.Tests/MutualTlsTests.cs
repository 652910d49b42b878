using System.Security.Cryptography.X509Certificates;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Tls;
using Grpc.Core;
using Grpc.Net.Client;

namespace CredBroker.Server.Tests;

/// <summary>
/// mTLS as a second way in: the broker serves TLS with a configured certificate, asks for a client
/// certificate, and admits a caller whose certificate is an X.509-SVID from its trust domain's bundle.
/// All certificates are made by the test.
/// </summary>
public sealed class MutualTlsTests
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
        broker = await BrokerFixture.StartAsync(directory: directory, url: "https://127.0.0.1:0", settings: new Dictionary<string, string?>
        {
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

    private static RequestGrantRequest Request() => new() { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } };

    private async Task<RequestGrantResponse> RequestWith(X509Certificate2? certificate, CallOptions options = default)
    {
        using var channel = TlsChannels.Create(broker.Address, serverCa, certificate);
        return await new GrantService.GrantServiceClient(channel).RequestGrantAsync(Request(), options);
    }

    private RpcException RefusedWith(X509Certificate2? certificate) => Assert.ThrowsAsync<RpcException>(async () => await RequestWith(certificate))!;

    [Test]
    public async Task An_X509_SVID_from_the_trust_bundle_authenticates_its_workload()
    {
        using var svid = TestCertificates.IssueClient(workloadCa, TestPolicy.Support);
        var response = await RequestWith(svid);
        Assert.That(response.Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
    }

    [Test]
    public void No_certificate_and_no_token_is_UNAUTHENTICATED()
    {
        var error = RefusedWith(null);
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("client certificate with a SPIFFE ID"));
    }

    [Test]
    public void A_certificate_from_another_CA_is_UNAUTHENTICATED()
    {
        using var forged = TestCertificates.IssueClient(strangerCa, TestPolicy.Support);
        var error = RefusedWith(forged);
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("does not chain to the trust bundle of test.local"));
    }

    [Test]
    public void A_certificate_without_a_SPIFFE_ID_is_UNAUTHENTICATED()
    {
        using var plain = TestCertificates.IssueClient(workloadCa, spiffeId: null);
        var error = RefusedWith(plain);
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("no SPIFFE ID"));
    }

    [Test]
    public void A_bundle_does_not_vouch_for_another_trust_domain()
    {
        using var foreign = TestCertificates.IssueClient(workloadCa, "spiffe://other.local/agents/support");
        var error = RefusedWith(foreign);
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("no trust bundle is configured for trust domain other.local"));
    }

    [Test]
    public void An_expired_X509_SVID_is_UNAUTHENTICATED()
    {
        using var expired = TestCertificates.IssueClient(workloadCa, TestPolicy.Support, validFor: TimeSpan.FromMinutes(-1));
        var error = RefusedWith(expired);
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("expired"));
    }

    [Test]
    public void A_certificate_identity_still_needs_its_role()
    {
        using var orchestrator = TestCertificates.IssueClient(workloadCa, TestPolicy.Orchestrator);
        var error = RefusedWith(orchestrator);
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain("role agent"));
    }

    [Test]
    public async Task A_bearer_token_decides_when_a_certificate_is_also_presented()
    {
        using var orchestrator = TestCertificates.IssueClient(workloadCa, TestPolicy.Orchestrator);
        var response = await RequestWith(orchestrator, broker.As(TestPolicy.Support));
        Assert.That(response.Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
    }

    [Test]
    public async Task With_RequireClientCertificate_a_connection_without_one_is_refused_at_the_handshake()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        using var server = TestCertificates.IssueServer(serverCa);
        TestCertificates.WritePem(server, Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"));
        TestCertificates.WritePem(workloadCa, Path.Combine(directory, "bundle.pem"));
        await using var strict = await BrokerFixture.StartAsync(directory: directory, url: "https://127.0.0.1:0", settings: new Dictionary<string, string?>
        {
            ["CredBroker:Tls:CertificateFile"] = Path.Combine(directory, "server.pem"),
            ["CredBroker:Tls:KeyFile"] = Path.Combine(directory, "server.key"),
            ["CredBroker:Tls:TrustBundles:0:TrustDomain"] = "test.local",
            ["CredBroker:Tls:TrustBundles:0:CaFile"] = Path.Combine(directory, "bundle.pem"),
            ["CredBroker:Tls:RequireClientCertificate"] = "true",
        });

        using var anonymous = TlsChannels.Create(strict.Address, serverCa, null);
        var error = Assert.ThrowsAsync<RpcException>(async () => await new GrantService.GrantServiceClient(anonymous).RequestGrantAsync(Request(), strict.As(TestPolicy.Support)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unavailable), "no TLS session, so not even a bearer token is read");

        using var svid = TestCertificates.IssueClient(workloadCa, TestPolicy.Support);
        using var authenticated = TlsChannels.Create(strict.Address, serverCa, svid);
        var response = await new GrantService.GrantServiceClient(authenticated).RequestGrantAsync(Request());
        Assert.That(response.Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
    }

    [Test]
    public async Task Plain_clients_that_trust_the_server_certificate_reach_the_well_known_endpoints()
    {
        using var http = new HttpClient(TlsChannels.Handler(serverCa, null)) { BaseAddress = broker.Address };
        using var response = await http.GetAsync(new Uri("/.well-known/jwks.json", UriKind.Relative));
        Assert.That(response.IsSuccessStatusCode, Is.True, "TLS serves HTTP/1.1 beside gRPC, and needs no client certificate");
    }
}
