using CredBroker.Core.Identity;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Identity;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>Identity settings that would weaken authentication stop the broker at start, naming the setting.</summary>
public sealed class IdentityConfigurationTests
{
    private string directory = null!;
    private string jwksFile = null!;
    private TestIdentityIssuer issuer = null!;

    [SetUp]
    public async Task Prepare()
    {
        directory = Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        jwksFile = Path.Combine(directory, "idp.jwks");
        issuer = new TestIdentityIssuer("https://idp.test.local");
        await issuer.WriteJwksAsync(jwksFile);
    }

    [TearDown]
    public void CleanUp()
    {
        issuer.Dispose();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private Dictionary<string, string?> Issuer(params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["CredBroker:Identity:Issuers:0:Issuer"] = issuer.Name,
            ["CredBroker:Identity:Issuers:0:JwksFile"] = jwksFile,
            ["CredBroker:Identity:Issuers:0:TrustDomains:0"] = "test.local",
        };
        foreach (var (key, value) in overrides)
        {
            settings["CredBroker:Identity:Issuers:0:" + key] = value;
        }

        return settings;
    }

    private static async Task<string> StartFailureAsync(Dictionary<string, string?> settings)
    {
        try
        {
            await using var broker = await BrokerFixture.StartAsync(settings: settings);
        }
        catch (Exception e) when (e is not AssertionException)
        {
            return e.ToString();
        }

        Assert.Fail("the broker started");
        return string.Empty;
    }

    public static IEnumerable<TestCaseData> BadSettings()
    {
        TestCaseData Case(string name, string message, params (string, string?)[] settings) => new TestCaseData(settings, message).SetName("Start_refused_" + name);

        yield return Case("for_HS256", "CredBroker:Identity:Issuers:0:Algorithms: 'HS256' is not allowed", ("Algorithms:0", "HS256"));
        yield return Case("for_alg_none", "CredBroker:Identity:Issuers:0:Algorithms: 'none' is not allowed", ("Algorithms:0", "none"));
        yield return Case("without_a_key_source", "CredBroker:Identity:Issuers:0: set exactly one of JwksFile and JwksUri", ("JwksFile", null));
        yield return Case("for_a_cleartext_JWKS_URL", "CredBroker:Identity:Issuers:0:JwksUri must be an absolute https URL", ("JwksFile", null), ("JwksUri", "http://127.0.0.1:1/jwks"));
        yield return Case("without_trust_domains", "CredBroker:Identity:Issuers:0:TrustDomains must name at least one", ("TrustDomains:0", null));
        yield return Case("for_the_brokers_own_issuer", "CredBroker:Identity:Issuers:0:Issuer must not be the broker's own", ("Issuer", BrokerFixture.Issuer));
        yield return Case("for_a_missing_JWKS_file", "CredBroker:Identity:Issuers:0:JwksFile '/nonexistent/jwks.json' does not exist", ("JwksFile", "/nonexistent/jwks.json"));
        yield return Case("for_a_subject_domain_it_may_not_vouch_for", "CredBroker:Identity:Issuers:0:SubjectTrustDomain 'evil.local' must be one of its TrustDomains", ("SubjectTrustDomain", "evil.local"));
        yield return Case("for_a_hammering_refresh_interval", "CredBroker:Identity:Issuers:0:MinRefreshInterval must be at least 1 second", ("MinRefreshInterval", "00:00:00.1"));
    }

    [TestCaseSource(nameof(BadSettings))]
    public async Task Bad_issuer_setting_stops_the_broker_naming_it((string Key, string? Value)[] settings, string message) =>
        Assert.That(await StartFailureAsync(Issuer(settings)), Does.Contain(message));

    [TestCase("""{"keys":[{"kty":"oct","kid":"k1","k":"c2VjcmV0"}]}""", "holds no usable key")]
    [TestCase("not json", "holds no usable key: key set is not JSON")]
    public async Task A_JWKS_file_without_usable_asymmetric_keys_stops_the_broker(string content, string message)
    {
        await File.WriteAllTextAsync(jwksFile, content);
        Assert.That(await StartFailureAsync(Issuer()), Does.Contain("CredBroker:Identity:Issuers:0:JwksFile").And.Contain(message));
    }

    [Test]
    public async Task No_way_to_authenticate_stops_the_broker() =>
        Assert.That(await StartFailureAsync(new Dictionary<string, string?> { ["CredBroker:DevIdentities"] = null }), Does.Contain("no identity issuer or trust bundle is configured"));

    [Test]
    public async Task A_missing_trust_bundle_file_stops_the_broker() =>
        Assert.That(await StartFailureAsync(new Dictionary<string, string?>
        {
            ["CredBroker:Tls:TrustBundles:0:TrustDomain"] = "test.local",
            ["CredBroker:Tls:TrustBundles:0:CaFile"] = "/nonexistent/bundle.pem",
        }), Does.Contain("CredBroker:Tls:TrustBundles:0:CaFile must name an existing PEM file"));

    [Test]
    public async Task Dev_identities_are_off_outside_Development_unless_asked_for()
    {
        var settings = Issuer();
        settings["CredBroker:DevIdentities"] = null;
        await using var broker = await BrokerFixture.StartAsync(directory: directory, settings: settings);
        Assert.That(broker.Services.GetService<DevIdentityIssuer>(), Is.Null);

        // Whoever holds the key directory could mint this; with dev identities off it is worthless.
        using var local = new DevIdentityIssuer(Path.Combine(directory, "keys"), "credbroker", TimeProvider.System);
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, BrokerFixture.Bearer(local.Issue(TestPolicy.Support, TimeSpan.FromMinutes(5)))));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("issuer is not trusted"));
    }

    [Test]
    public async Task Dev_identities_switched_on_outside_Development_are_warned_about()
    {
        await using var broker = await BrokerFixture.StartAsync();
        Assert.That(broker.Logs.Entries.Any(e => e.Message.StartsWith("Dev identities are on in the Production environment", StringComparison.Ordinal)));
    }

    [Test]
    public async Task A_plain_OIDC_issuer_maps_its_subject_claim_into_its_trust_domain()
    {
        var settings = Issuer(("SubjectClaim", "workload"), ("SubjectTrustDomain", "test.local"));
        await using var broker = await BrokerFixture.StartAsync(settings: settings);
        var token = issuer.Token("0b7c1e9f", claims: c => c["workload"] = "agents/support");

        var response = await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, BrokerFixture.Bearer(token));
        Assert.That(response.Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));

        var unmappable = issuer.Token("0b7c1e9f", claims: c => c["workload"] = "repo:octo/app:ref:main");
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, BrokerFixture.Bearer(unmappable)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("claim 'workload' cannot form a SPIFFE ID under spiffe://test.local/"));
    }
}
