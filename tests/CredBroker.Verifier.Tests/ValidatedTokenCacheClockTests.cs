using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CredBroker.Core.Tokens;
using CredBroker.Testing.Broker;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// The validated-token cache against time and key rotation: a verifier on a fake clock, following a real
/// broker for revocations and reading the broker's signing key from a JWKS the test controls. Tokens are
/// signed with the broker's real key at the fake clock's times.
/// </summary>
public sealed class ValidatedTokenCacheClockTests
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan JwksRefresh = TimeSpan.FromMinutes(5);

    private BrokerFixture broker = null!;
    private JwksHost jwks = null!;
    private FakeTimeProvider time = null!;
    private VerifierHarness verifier = null!;
    private TokenCacheCounts counts = null!;
    private TokenForge forge = null!;

    [SetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync();
        forge = TokenForge.OfBroker(broker);
        jwks = await JwksHost.StartAsync();
        jwks.Publish(forge.Key);
        // A few seconds ahead of the broker's start, so its new store generation covers none of these tokens.
        time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5));
        verifier = await VerifierHarness.StartAsync(broker, o =>
        {
            o.JwksUri = jwks.JwksUri;
            o.JwksRefreshInterval = JwksRefresh;
            o.ClockSkew = Skew;
        }, time);
        counts = new TokenCacheCounts(verifier.Meters);
    }

    [TearDown]
    public async Task Stop()
    {
        counts.Dispose();
        await verifier.DisposeAsync();
        await jwks.DisposeAsync();
        await broker.DisposeAsync();
    }

    private string Token(TimeSpan lifetime)
    {
        var claims = TokenForge.Claims(now: time.GetUtcNow());
        claims["exp"] = time.GetUtcNow().ToUnixTimeSeconds() + (long)lifetime.TotalSeconds;
        return forge.Sign(forge.Header(), claims);
    }

    /// <summary>Moves the fake clock, then waits for a keep-alive to prove the revocation view current at the new time.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        time.Advance(by);
        await verifier.WaitFreshAsync();
    }

    private Task<TokenVerification> ValidateAsync(string token) => verifier.Verifier.ValidateAsync(token, "tickets.read");

    [Test]
    public async Task A_cached_token_expires_with_the_refusal_a_new_token_gets()
    {
        var lifetime = TimeSpan.FromMinutes(2);
        var cached = Token(lifetime);
        var neverSeen = Token(lifetime);
        Assert.That((await ValidateAsync(cached)).IsValid, Is.True);

        await AdvanceAsync(lifetime - TimeSpan.FromSeconds(1));
        var beforeExp = await ValidateAsync(cached);
        Assert.That(beforeExp.IsValid, Is.True, beforeExp.Message);
        Assert.That(counts.Hits, Is.EqualTo(1), "answered from the cache just before exp");

        await AdvanceAsync(TimeSpan.FromSeconds(1) + Skew - TimeSpan.FromSeconds(1));
        var withinSkew = await ValidateAsync(cached);
        Assert.That(withinSkew.IsValid, Is.True, "past exp but within the skew, as full validation says: " + withinSkew.Message);

        time.Advance(TimeSpan.FromSeconds(1));
        var late = await ValidateAsync(cached);
        var lateNew = await ValidateAsync(neverSeen);

        Assert.That(late.Failure, Is.EqualTo(TokenFailure.Expired));
        Assert.That(late, Is.EqualTo(lateNew), "the same refusal, word for word, as a token never seen");
    }

    [Test]
    public async Task A_cached_token_is_refused_once_its_key_leaves_the_JWKS()
    {
        var cached = Token(TimeSpan.FromHours(1));
        var neverSeen = Token(TimeSpan.FromHours(1));
        Assert.That((await ValidateAsync(cached)).IsValid, Is.True);
        Assert.That((await ValidateAsync(cached)).IsValid, Is.True);
        Assert.That(counts.Hits, Is.EqualTo(1));

        using var successor = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        jwks.Publish(successor);
        await AdvanceAsync(JwksRefresh);

        // Only cache hits come in: they alone must get the key set refetched and notice the key gone.
        var refusal = await Eventually.ResultAsync(() => ValidateAsync(cached), r => !r.IsValid, TimeSpan.FromSeconds(10), "the verifier to drop the withdrawn key");
        var refusalNew = await ValidateAsync(neverSeen);

        Assert.That(refusal.Failure, Is.EqualTo(TokenFailure.UnknownKey), refusal.Message);
        Assert.That(refusal, Is.EqualTo(refusalNew), "the same refusal as a token never seen");
        Assert.That(jwks.Requests, Is.EqualTo(2), "one fetch at the first token, one once the key set was older than its refresh interval");
    }
}
