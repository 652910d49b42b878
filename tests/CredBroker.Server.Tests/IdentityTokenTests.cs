using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Identity;
using CredBroker.Testing.Redis;
using Grpc.Core;
using StackExchange.Redis;

namespace CredBroker.Server.Tests;

/// <summary>
/// Identity tokens from configured issuers (a JWKS file, as a SPIRE agent writes it): each forgery or
/// misuse is refused with UNAUTHENTICATED, a reason a person can act on that never quotes the token,
/// and nothing written to the store (checked in Redis itself).
/// </summary>
public sealed class IdentityTokenTests
{
    private BrokerFixture broker = null!;
    private ConnectionMultiplexer redis = null!;
    private TestIdentityIssuer spire = null!;
    private TestIdentityIssuer otherDomain = null!;
    private TestIdentityIssuer untrusted = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        spire = new TestIdentityIssuer("https://spire.test.local");
        otherDomain = new TestIdentityIssuer("https://spire.other.local");
        untrusted = new TestIdentityIssuer("https://evil.example");
        var directory = Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        await spire.WriteJwksAsync(Path.Combine(directory, "spire.jwks"));
        await otherDomain.WriteJwksAsync(Path.Combine(directory, "other.jwks"));
        var endpoint = await SharedRedis.GetEndpointAsync();
        broker = await BrokerFixture.StartAsync(endpoint, directory, settings: new Dictionary<string, string?>
        {
            ["CredBroker:Identity:Issuers:0:Issuer"] = spire.Name,
            ["CredBroker:Identity:Issuers:0:JwksFile"] = Path.Combine(directory, "spire.jwks"),
            ["CredBroker:Identity:Issuers:0:TrustDomains:0"] = "test.local",
            ["CredBroker:Identity:Issuers:1:Issuer"] = otherDomain.Name,
            ["CredBroker:Identity:Issuers:1:JwksFile"] = Path.Combine(directory, "other.jwks"),
            ["CredBroker:Identity:Issuers:1:TrustDomains:0"] = "other.local",
        });
        redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await broker.DisposeAsync();
        await redis.DisposeAsync();
        spire.Dispose();
        otherDomain.Dispose();
        untrusted.Dispose();
    }

    private static RequestGrantRequest Request(string taskId) => new() { TaskId = taskId, Purpose = "read a ticket", Tools = { "tickets.read" } };

    [Test]
    public async Task A_JWT_SVID_from_a_trusted_issuer_authenticates_its_workload()
    {
        var response = await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), BrokerFixture.Bearer(spire.Token(TestPolicy.Support)));
        Assert.That(response.Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
    }

    [Test]
    public async Task Clock_skew_is_30_seconds_not_IdentityModels_five_minutes()
    {
        var justExpired = spire.Token(TestPolicy.Support, claims: c => c["exp"] = DateTimeOffset.UtcNow.AddSeconds(-10).ToUnixTimeSeconds());
        var response = await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), BrokerFixture.Bearer(justExpired));
        Assert.That(response.Grant, Is.Not.Null, "10 s past exp is inside the skew");

        var expiredAMinuteAgo = spire.Token(TestPolicy.Support, claims: c => c["exp"] = DateTimeOffset.UtcNow.AddSeconds(-60).ToUnixTimeSeconds());
        await AssertRefusedAsync(expiredAMinuteAgo, "has expired");
    }

    public static IEnumerable<TestCaseData> Forgeries()
    {
        TestCaseData Case(string name, string reason, Func<IdentityTokenTests, string> make) => new TestCaseData(make, reason).SetName("Refused_" + name);

        yield return Case("token_from_an_untrusted_issuer", "issuer is not trusted", t => t.untrusted.Token(TestPolicy.Support));
        yield return Case("untrusted_key_claiming_a_trusted_issuer", "does not publish", t => t.untrusted.Token(TestPolicy.Support, claims: c => c["iss"] = t.spire.Name));
        yield return Case("another_trusted_issuers_key", "does not publish", t => t.otherDomain.Token(TestPolicy.Support, claims: c => c["iss"] = t.spire.Name));
        yield return Case("wrong_audience", "audience", t => t.spire.Token(TestPolicy.Support, claims: c => c["aud"] = "https://tickets.test"));
        yield return Case("several_audiences", "several audiences", t => t.spire.Token(TestPolicy.Support, claims: c => c["aud"] = new JsonArray("credbroker", "https://tickets.test")));
        yield return Case("expired", "has expired", t => t.spire.Token(TestPolicy.Support, claims: c => c["exp"] = DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds()));
        yield return Case("not_yet_valid", "not yet valid", t => t.spire.Token(TestPolicy.Support, claims: c => c["nbf"] = DateTimeOffset.UtcNow.AddMinutes(2).ToUnixTimeSeconds()));
        yield return Case("without_exp", "no expiry", t => t.spire.Token(TestPolicy.Support, claims: c => c.Remove("exp")));
        yield return Case("HS256_with_the_issuers_public_key_as_secret", "algorithm is not allowed", t => t.HmacWithPublicKey());
        yield return Case("alg_none", "algorithm is not allowed", t => t.Unsigned());
        yield return Case("kid_the_JWKS_lacks", "does not publish", t => t.spire.Token(TestPolicy.Support, header: h => h["kid"] = "no-such-key"));
        yield return Case("no_kid", "no key id", t => t.spire.Token(TestPolicy.Support, header: h => h.Remove("kid")));
        yield return Case("foreign_trust_domain", "may not vouch for trust domain evil.local", t => t.spire.Token("spiffe://evil.local/agents/support"));
        yield return Case("other_issuer_vouching_outside_its_domain", "may not vouch for trust domain test.local", t => t.otherDomain.Token(TestPolicy.Support));
        yield return Case("tampered_payload", "signature is invalid", t => t.Tampered());
        yield return Case("crit_header", "crit", t => t.spire.Token(TestPolicy.Support, header: h => h["crit"] = new JsonArray("exp")));
        yield return Case("access_token_type", "not an identity", t => t.spire.Token(TestPolicy.Support, header: h => h["typ"] = "at+jwt"));
        yield return Case("subject_that_is_not_a_SPIFFE_ID", "not a workload SPIFFE ID", t => t.spire.Token("support-agent"));
        yield return Case("trust_domain_alone_as_subject", "not a workload SPIFFE ID", t => t.spire.Token("spiffe://test.local"));
    }

    [TestCaseSource(nameof(Forgeries))]
    public async Task Forged_or_misused_identity_token_is_UNAUTHENTICATED_and_writes_nothing(Func<IdentityTokenTests, string> make, string reason) =>
        await AssertRefusedAsync(make(this), reason);

    [Test]
    public async Task An_identity_token_is_not_accepted_as_an_access_token()
    {
        var identity = spire.Token(TestPolicy.Support);
        var response = await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = identity }, broker.As(TestPolicy.Tool));
        Assert.That(response.Active, Is.False);
    }

    private async Task AssertRefusedAsync(string token, string reason)
    {
        var taskId = BrokerFixture.NewTaskId();
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(Request(taskId), BrokerFixture.Bearer(token)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated), error.Status.Detail);
        Assert.That(error.Status.Detail, Does.Contain(reason));
        foreach (var part in token.Split('.').Where(p => p.Length > 8))
        {
            Assert.That(error.Status.Detail, Does.Not.Contain(part), "the reason never echoes the token");
            Assert.That(broker.Logs.Entries.Select(e => e.Message), Has.None.Contains(part), "no log line holds the token");
        }

        Assert.That(await KeysMentioningAsync(taskId), Is.Empty, "nothing was written for the task");
    }

    /// <summary>The classic confusion attack: HMAC keyed with the RSA public key the issuer publishes, under that key's kid.</summary>
    private string HmacWithPublicKey()
    {
        var input = TokenParts.Encode($$"""{"alg":"HS256","kid":"{{spire.Rsa.Kid}}","typ":"JWT"}""") + "." + Payload(TestPolicy.Support);
        var mac = HMACSHA256.HashData(Encoding.ASCII.GetBytes(spire.Rsa.PublicKeyPem()), Encoding.ASCII.GetBytes(input));
        return input + "." + TokenParts.Encode(mac);
    }

    private string Unsigned() => TokenParts.Encode($$"""{"alg":"none","kid":"{{spire.Current.Kid}}","typ":"JWT"}""") + "." + Payload(TestPolicy.Support) + ".";

    /// <summary>A genuine token whose payload is swapped for one naming another workload, signature kept.</summary>
    private string Tampered()
    {
        var genuine = spire.Token(TestPolicy.Coder).Split('.');
        return $"{genuine[0]}.{Payload(TestPolicy.Support)}.{genuine[2]}";
    }

    private string Payload(string subject)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return TokenParts.Encode(new JsonObject
        {
            ["iss"] = spire.Name,
            ["sub"] = subject,
            ["aud"] = TestIdentityIssuer.Audience,
            ["iat"] = now,
            ["exp"] = now + 300,
            ["jti"] = Guid.NewGuid().ToString("N"),
        }.ToJsonString());
    }

    // Other test assemblies share this Redis, so look only for keys of this test's task.
    private async Task<List<string>> KeysMentioningAsync(string taskId)
    {
        var keys = new List<string>();
        await foreach (var key in redis.GetServers().Single().KeysAsync(pattern: $"*{taskId}*"))
        {
            keys.Add(key.ToString());
        }

        return keys;
    }
}
