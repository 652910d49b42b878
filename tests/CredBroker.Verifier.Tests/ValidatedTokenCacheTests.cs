using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// The verifier's validated-token cache (issue 8): a token seen again is answered without another signature
/// check, and never more permissively than full validation would answer at that moment. Revocation is
/// checked on every call, a changed token is a different token, and each verifier caches only for its audience.
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    private BrokerFixture broker = null!;
    private VerifierHarness verifier = null!;
    private TokenCacheCounts counts = null!;

    [SetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync();
        verifier = await VerifierHarness.StartAsync(broker);
        counts = new TokenCacheCounts(verifier.Meters);
    }

    [TearDown]
    public async Task Stop()
    {
        counts.Dispose();
        await verifier.DisposeAsync();
        await broker.DisposeAsync();
    }

    private Task<TokenVerification> ValidateAsync(string token, string tool = "tickets.read") => verifier.Verifier.ValidateAsync(token, tool);

    [Test]
    public async Task A_token_seen_before_is_accepted_again_without_checking_its_signature_again()
    {
        var grant = await broker.GrantAsync();

        var results = new List<TokenVerification>();
        for (var i = 0; i < 3; i++)
        {
            results.Add(await ValidateAsync(grant.AccessToken));
        }

        Assert.That(results.Select(r => r.Claims?.JwtId), Is.All.EqualTo(grant.GrantId), string.Join("; ", results.Select(r => r.Message)));
        Assert.That(counts.Misses, Is.EqualTo(1), "validated in full once");
        Assert.That(counts.Hits, Is.EqualTo(2), "then answered from the cache");
        Assert.That((await ValidateAsync(grant.AccessToken, "tickets.write")).Failure, Is.EqualTo(TokenFailure.ToolNotInScope), "scope is checked on a hit too");
    }

    [TestCase("grant")]
    [TestCase("task")]
    [TestCase("workload")]
    [TestCase("tool")]
    [TestCase("kill switch")]
    public async Task A_cached_token_is_refused_once_revoked(string kind)
    {
        var taskId = BrokerFixture.NewTaskId();
        var grant = await broker.GrantAsync(taskId: taskId);
        Assert.That((await ValidateAsync(grant.AccessToken)).IsValid, Is.True);
        Assert.That((await ValidateAsync(grant.AccessToken)).IsValid, Is.True);
        Assert.That(counts.Hits, Is.EqualTo(1), "the token is in the cache before it is revoked");

        var operatorCall = broker.As(TestPolicy.Operator);
        _ = kind switch
        {
            "grant" => await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId }, operatorCall),
            "task" => await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator)),
            "workload" => await broker.Admin.RevokeWorkloadAsync(new RevokeWorkloadRequest { WorkloadId = TestPolicy.Support, Reason = "leaked" }, operatorCall),
            "tool" => await broker.Admin.RevokeToolAsync(new RevokeToolRequest { Tool = "tickets.read", Reason = "compromised" }, operatorCall),
            _ => (object)await broker.Admin.EngageKillSwitchAsync(new KillSwitchRequest { Reason = "incident 9" }, operatorCall),
        };

        try
        {
            var refusal = await verifier.RevokedWithinBoundAsync(grant.AccessToken);

            Assert.That(refusal.Failure, Is.EqualTo(TokenFailure.Revoked), refusal.Message);
            Assert.That(counts.Misses, Is.EqualTo(1), "every answer after the first, the refusal included, came with the token found in the cache");
            Assert.That(counts.Hits, Is.GreaterThan(1));
        }
        finally
        {
            if (kind == "kill switch")
            {
                await broker.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest(), operatorCall);
            }
        }
    }

    [Test]
    public async Task A_tampered_copy_of_a_cached_token_is_refused()
    {
        var grant = await broker.GrantAsync();
        Assert.That((await ValidateAsync(grant.AccessToken)).IsValid, Is.True);
        // One character in the middle of the signature (the last ones carry padding bits, refused for another reason).
        var at = grant.AccessToken.Length - 40;
        var tampered = grant.AccessToken[..at] + (grant.AccessToken[at] == 'A' ? 'B' : 'A') + grant.AccessToken[(at + 1)..];

        var first = await ValidateAsync(tampered);
        var second = await ValidateAsync(tampered);

        Assert.That(first.Failure, Is.EqualTo(TokenFailure.BadSignature));
        Assert.That(second.Failure, Is.EqualTo(TokenFailure.BadSignature), "a refusal is never cached either way");
        Assert.That(counts.Hits, Is.Zero);
        Assert.That((await ValidateAsync(grant.AccessToken)).IsValid, Is.True, "the genuine token is untouched");
    }

    [Test]
    public async Task The_high_S_twin_of_a_cached_token_is_validated_in_full()
    {
        var grant = await broker.GrantAsync();
        Assert.That((await ValidateAsync(grant.AccessToken)).IsValid, Is.True);

        var twin = await ValidateAsync(TokenForge.HighSTwin(grant.AccessToken));

        Assert.That(twin.IsValid, Is.True, "both S forms verify, as without the cache");
        Assert.That(counts.Misses, Is.EqualTo(2), "other token text, other cache key: checked in full");
        Assert.That(counts.Hits, Is.Zero);
    }

    [Test]
    public async Task A_token_for_another_audience_is_never_answered_from_the_cache()
    {
        var forge = TokenForge.OfBroker(broker);
        // Issued a little after this broker's start: its new store generation revokes everything issued before.
        var claims = TokenForge.Claims(now: DateTimeOffset.UtcNow.AddSeconds(2));
        var genuine = forge.Sign(forge.Header(), claims);
        claims["aud"] = "https://other.test";
        var elsewhere = forge.Sign(forge.Header(), claims);
        var accepted = await ValidateAsync(genuine);
        Assert.That(accepted.IsValid, Is.True, accepted.Message);

        Assert.That((await ValidateAsync(elsewhere)).Failure, Is.EqualTo(TokenFailure.WrongAudience));
        Assert.That((await ValidateAsync(elsewhere)).Failure, Is.EqualTo(TokenFailure.WrongAudience));
        await using var other = await VerifierHarness.StartAsync(broker, o => o.Audience = "https://other.test");
        Assert.That((await other.Verifier.ValidateAsync(genuine, "tickets.read")).Failure, Is.EqualTo(TokenFailure.WrongAudience), "another tool server does not share this one's cache");
        Assert.That(counts.Hits, Is.Zero);
    }

    [Test]
    public async Task With_the_cache_off_every_token_is_validated_in_full()
    {
        await using var uncached = await VerifierHarness.StartAsync(broker, o => o.ValidatedTokenCacheSize = 0);
        using var uncachedCounts = new TokenCacheCounts(uncached.Meters);
        var grant = await broker.GrantAsync();

        Assert.That((await uncached.Verifier.ValidateAsync(grant.AccessToken, "tickets.read")).IsValid, Is.True);
        Assert.That((await uncached.Verifier.ValidateAsync(grant.AccessToken, "tickets.read")).IsValid, Is.True);

        Assert.That(uncachedCounts.Hits + uncachedCounts.Misses, Is.Zero, "no cache, nothing looked up");
    }
}
