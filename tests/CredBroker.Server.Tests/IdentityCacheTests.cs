using CredBroker.Core.Identity;
using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Identity;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Server.Tests;

/// <summary>
/// A validated identity token is remembered only while the key that signed it is still published by its
/// issuer, and never longer than <c>CredBroker:Identity:CacheMaxAge</c>: withdrawing a key withdraws
/// every identity it vouched for, even one the broker has already seen.
/// </summary>
public sealed class IdentityCacheTests
{
    [Test]
    public async Task A_remembered_identity_token_is_refused_once_its_key_is_withdrawn()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        using var issuer = new TestIdentityIssuer("https://idp.test.local", time);
        var directory = Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        await using var jwks = await JwksTestHost.StartAsync(issuer.Jwks, directory);
        await using var broker = await BrokerFixture.StartAsync(directory: directory, time: time, settings: new Dictionary<string, string?>
        {
            ["CredBroker:Identity:Issuers:0:Issuer"] = issuer.Name,
            ["CredBroker:Identity:Issuers:0:JwksUri"] = jwks.JwksUri.ToString(),
            ["CredBroker:Identity:Issuers:0:CaFile"] = jwks.CaFile,
            ["CredBroker:Identity:Issuers:0:TrustDomains:0"] = "test.local",
        });
        var remembered = issuer.Token(TestPolicy.Support, lifetime: TimeSpan.FromMinutes(10));
        Assert.That((await RequestWith(broker, remembered)).Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));

        // The issuer withdraws the key; the broker learns of it when a token names the new kid.
        issuer.Rotate("rotated-key-2");
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.That((await RequestWith(broker, issuer.Token(TestPolicy.Support))).Grant, Is.Not.Null);

        var error = Assert.ThrowsAsync<RpcException>(async () => await RequestWith(broker, remembered));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("does not publish"));
    }

    [Test]
    public async Task A_remembered_identity_is_validated_again_after_CacheMaxAge()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var issuer = new TestIdentityIssuer("https://idp.test.local", time);
        var keys = new StaticIssuerKeys(JwksDocument.Parse(System.Text.Encoding.UTF8.GetBytes(issuer.Jwks())).Keys.Values);
        var validator = new IdentityTokenValidator(
            [new TrustedIssuer { Issuer = issuer.Name, Audience = TestIdentityIssuer.Audience, Keys = keys, Algorithms = ["ES256"], TrustDomains = ["test.local"] }],
            TimeSpan.FromSeconds(30), TimeSpan.FromHours(24), time);
        var cache = new IdentityCache(time, Options.Create(new IdentityOptions()), validator);
        var token = issuer.Token(TestPolicy.Support, lifetime: TimeSpan.FromMinutes(10));
        cache.Add(token, await validator.ValidateAsync(token));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.That(cache.TryGet(token, out var identity), Is.True, "younger than the default 60 s");
        Assert.That(identity.Id, Is.EqualTo(TestPolicy.Support));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(cache.TryGet(token, out _), Is.False, "older than 60 s: validated again although the token lives 10 minutes");
    }

    private static Task<RequestGrantResponse> RequestWith(BrokerFixture broker, string token) =>
        broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, BrokerFixture.Bearer(token)).ResponseAsync;
}
