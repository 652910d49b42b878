using CredBroker.Core.Revocation;
using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using CoreKind = CredBroker.Core.Revocation.RevocationKind;
using WireKind = CredBroker.Protocol.V1.RevocationKind;

namespace CredBroker.Verifier.Tests;

/// <summary>The revocation cache on its own: freshness from keep-alives, expiry of rules, and the cursor it resumes from.</summary>
public sealed class RevocationCacheTests
{
    private FakeTimeProvider time = null!;
    private RevocationCache cache = null!;

    [SetUp]
    public void Start()
    {
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero));
        cache = new RevocationCache(Options.Create(new CredBrokerVerifierOptions { MaxStaleness = TimeSpan.FromSeconds(5) }), time);
    }

    private AccessTokenClaims Token(string jti = "g-1", string task = "t-1") =>
        new("iss", "spiffe://test.local/agents/support", "spiffe://test.local/agents/support", "aud", time.GetUtcNow().AddSeconds(-1), time.GetUtcNow().AddSeconds(-1), time.GetUtcNow().AddMinutes(5), jti, ["tickets.read"], task, "p", "o");

    private RevocationRule GrantRule(string jti, TimeSpan expiresIn) =>
        new(CoreKind.Grant, jti, time.GetUtcNow(), time.GetUtcNow(), "r", time.GetUtcNow() + expiresIn);

    [Test]
    public void The_view_is_fresh_only_between_a_keep_alive_and_the_bound()
    {
        Assert.That(cache.IsFresh, Is.False, "nothing proved yet");
        cache.KeepAlive("5");
        Assert.That(cache.IsFresh, Is.True);

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(cache.IsFresh, Is.True, "at the bound");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(cache.IsFresh, Is.False, "past the bound");
    }

    [Test]
    public void A_covering_rule_counts_even_when_the_view_is_stale()
    {
        var token = Token("g-1");
        cache.Apply("1", GrantRule("g-1", TimeSpan.FromMinutes(10)));
        time.Advance(TimeSpan.FromMinutes(1));

        var check = cache.Check(token);

        Assert.That(check.Rule, Is.Not.Null);
        Assert.That(check.Fresh, Is.False);
    }

    [Test]
    public void A_rule_drops_out_once_its_expires_at_passes()
    {
        cache.Apply("1", GrantRule("g-1", TimeSpan.FromSeconds(10)));
        cache.KeepAlive("1");
        Assert.That(cache.Check(Token("g-1")).Rule, Is.Not.Null);

        time.Advance(TimeSpan.FromSeconds(11));
        cache.KeepAlive("1");

        Assert.That(cache.Count, Is.Zero);
        Assert.That(cache.Check(Token("g-1")).Rule, Is.Null);
    }

    [Test]
    public void A_rule_already_expired_on_arrival_is_not_kept_but_its_cursor_is()
    {
        cache.Apply("0000000000000000007", new RevocationRule(CoreKind.Task, "t-1", time.GetUtcNow().AddHours(-1), time.GetUtcNow().AddHours(-1), "r", time.GetUtcNow().AddSeconds(-1)));

        Assert.That(cache.Count, Is.Zero);
        Assert.That(cache.Cursor, Is.EqualTo("0000000000000000007"));
    }

    [Test]
    public void The_cursor_never_moves_back()
    {
        cache.Apply("1700000000000-3", GrantRule("g-1", TimeSpan.FromMinutes(1)));
        cache.KeepAlive("1700000000000-1");

        Assert.That(cache.Cursor, Is.EqualTo("1700000000000-3"));
    }

    [Test]
    public void A_rule_kind_this_version_does_not_know_is_read_as_revoking_everything()
    {
        var message = new RevocationEvent { Cursor = "9", Kind = (WireKind)42, Subject = "something new", RevokedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()), Reason = "future" };

        var rule = RevocationWatcher.ToRule(message);
        cache.Apply(message.Cursor, rule);

        Assert.That(rule.Kind, Is.EqualTo(CoreKind.All));
        Assert.That(cache.Check(Token("any", "any-task")).Rule, Is.Not.Null);
    }
}
