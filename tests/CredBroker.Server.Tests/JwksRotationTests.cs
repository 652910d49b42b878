using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Identity;
using CredBroker.Testing.Tls;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Server.Tests;

/// <summary>
/// An issuer whose JWKS is served over HTTPS by a test host on loopback: rotation is learnt without a
/// restart, forged kids cannot make the broker hammer the endpoint, and the endpoint's certificate is checked.
/// </summary>
public sealed class JwksRotationTests
{
    private FakeTimeProvider time = null!;
    private TestIdentityIssuer issuer = null!;
    private JwksTestHost jwks = null!;
    private BrokerFixture broker = null!;
    private string directory = null!;

    [SetUp]
    public async Task Start()
    {
        // A whole second: rules lift at whole seconds, and the broker waits out a lift on this clock before minting.
        time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        issuer = new TestIdentityIssuer("https://idp.test.local", time);
        directory = Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        jwks = await JwksTestHost.StartAsync(issuer.Jwks, directory);
        broker = await BrokerFixture.StartAsync(directory: directory, time: time, settings: Settings(jwks.CaFile));
    }

    [TearDown]
    public async Task Stop()
    {
        await broker.DisposeAsync();
        await jwks.DisposeAsync();
        issuer.Dispose();
    }

    private Dictionary<string, string?> Settings(string caFile) => new()
    {
        ["CredBroker:Identity:Issuers:0:Issuer"] = issuer.Name,
        ["CredBroker:Identity:Issuers:0:JwksUri"] = jwks.JwksUri.ToString(),
        ["CredBroker:Identity:Issuers:0:CaFile"] = caFile,
        ["CredBroker:Identity:Issuers:0:TrustDomains:0"] = "test.local",
    };

    private Task<RequestGrantResponse> RequestWith(string token) =>
        broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, BrokerFixture.Bearer(token)).ResponseAsync;

    [Test]
    public async Task A_rotated_in_key_is_accepted_without_a_restart_and_a_withdrawn_one_is_not()
    {
        var oldKey = issuer.Current;
        Assert.That((await RequestWith(issuer.Token(TestPolicy.Support))).Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
        var fetched = jwks.Requests;

        issuer.Rotate("rotated-key-2");
        time.Advance(TimeSpan.FromSeconds(31));

        var response = await RequestWith(issuer.Token(TestPolicy.Support));
        Assert.That(response.Grant.WorkloadId, Is.EqualTo(TestPolicy.Support), "the unknown kid made the broker fetch the JWKS again");
        Assert.That(jwks.Requests, Is.EqualTo(fetched + 1));

        var withdrawn = Assert.ThrowsAsync<RpcException>(async () => await RequestWith(issuer.Token(TestPolicy.Support, key: oldKey)));
        Assert.That(withdrawn!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(withdrawn.Status.Detail, Does.Contain("does not publish"));
    }

    [Test]
    public async Task Tokens_naming_unknown_kids_fetch_the_JWKS_at_most_once_per_min_refresh_interval()
    {
        time.Advance(TimeSpan.FromSeconds(31));
        var before = jwks.Requests;
        for (var i = 0; i < 20; i++)
        {
            var error = Assert.ThrowsAsync<RpcException>(async () => await RequestWith(issuer.Token(TestPolicy.Support, header: h => h["kid"] = $"forged-{i}")));
            Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        }

        Assert.That(jwks.Requests, Is.EqualTo(before + 1), "twenty forged kids, one fetch");

        time.Advance(TimeSpan.FromSeconds(31));
        Assert.ThrowsAsync<RpcException>(async () => await RequestWith(issuer.Token(TestPolicy.Support, header: h => h["kid"] = "forged-again")));
        Assert.That(jwks.Requests, Is.EqualTo(before + 2));
    }

    [Test]
    public async Task The_key_set_is_fetched_again_every_refresh_interval()
    {
        var next = issuer.Rotate("published-ahead", keepOld: true);
        time.Advance(TimeSpan.FromMinutes(5));
        var before = jwks.Requests;

        // A call with a known key finds the set stale and refreshes it in the background.
        await RequestWith(issuer.Token(TestPolicy.Support, key: issuer.Rsa));
        await WaitUntilAsync(() => jwks.Requests > before);
        await WaitUntilAsync(() => broker.Logs.Entries.Any(e => e.Message.Contains("published-ahead", StringComparison.Ordinal)));

        var response = await RequestWith(issuer.Token(TestPolicy.Support, key: next));
        Assert.That(response.Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
        Assert.That(jwks.Requests, Is.EqualTo(before + 1), "the new key was already known; no fetch for it");
    }

    [Test]
    public async Task A_JWKS_endpoint_whose_certificate_chains_to_another_CA_is_not_trusted()
    {
        using var otherCa = TestCertificates.CreateCa("some other CA");
        var otherCaFile = Path.Combine(directory, "other-ca.pem");
        TestCertificates.WritePem(otherCa, otherCaFile);
        await using var wary = await BrokerFixture.StartAsync(time: time, settings: Settings(otherCaFile));

        var error = Assert.ThrowsAsync<RpcException>(async () => await wary.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, BrokerFixture.Bearer(issuer.Token(TestPolicy.Support))));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(wary.Logs.Entries.Any(e => e.Message.Contains("could not fetch key set", StringComparison.Ordinal)), "the broker says why it holds no keys");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.That(condition(), "condition not reached within 2 s");
    }
}
