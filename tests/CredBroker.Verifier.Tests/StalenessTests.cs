using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;

namespace CredBroker.Verifier.Tests;

/// <summary>A verifier that cannot prove its view fresh fails closed, or asks Introspect when configured to (invariant 3).</summary>
public sealed class StalenessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    private static void Short(CredBrokerVerifierOptions o)
    {
        o.MaxStaleness = Bound;
        o.ReconnectDelay = TimeSpan.FromMilliseconds(50);
        o.MaxReconnectDelay = TimeSpan.FromMilliseconds(500);
    }

    [Test]
    public async Task Cut_off_by_a_stopped_broker_the_verifier_fails_closed_after_the_bound()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var verifier = await VerifierHarness.StartAsync(broker, Short);
        var grant = await broker.GrantAsync();
        Assert.That((await verifier.Verifier.ValidateAsync(grant.AccessToken, "tickets.read")).IsValid, Is.True);

        await broker.StopAsync();

        var refusal = await Eventually.ResultAsync(() => verifier.Verifier.ValidateAsync(grant.AccessToken, "tickets.read"), r => !r.IsValid, Bound + TimeSpan.FromSeconds(5), "the verifier to stop accepting");
        Assert.That(refusal.Failure, Is.EqualTo(TokenFailure.Stale));
        Assert.That(refusal.Message, Does.StartWith("revocation view is stale"));
        Assert.That(DateTimeOffset.UtcNow - verifier.Cache.LastProof!.Value, Is.GreaterThan(Bound), "it refused only once the bound had passed");
    }

    [Test]
    public async Task A_verifier_never_fresh_refuses_everything()
    {
        await using var broker = await BrokerFixture.StartAsync();
        // The broker refuses this identity (no tool role), so the stream never opens.
        await using var verifier = await VerifierHarness.StartAsync(broker.Address, () => broker.IdentityToken(TestPolicy.Stranger), Short, waitFresh: false);
        var grant = await broker.GrantAsync();

        var result = await verifier.Verifier.ValidateAsync(grant.AccessToken, "tickets.read");

        Assert.That(result.Failure, Is.EqualTo(TokenFailure.Stale));
        Assert.That(result.Message, Does.Contain("not yet received"));
    }

    [Test]
    public async Task With_the_Introspect_fallback_a_stale_verifier_asks_the_broker_and_fails_closed_when_it_cannot()
    {
        await using var broker = await BrokerFixture.StartAsync();
        // Issued up front: the identity must outlive the broker that issued it, for the last call below.
        var identity = broker.IdentityToken(TestPolicy.Tool);
        await using var verifier = await VerifierHarness.StartAsync(broker.Address, () => identity, o =>
        {
            Short(o);
            o.WhenStale = StaleBehavior.Introspect;
        });
        var live = await broker.GrantAsync();
        var revoked = await broker.GrantAsync();

        await verifier.StopFollowingAsync();
        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = revoked.GrantId }, broker.As(TestPolicy.Operator));

        // The cache never hears of the revocation; once stale, the broker's answer decides.
        var refusal = await Eventually.ResultAsync(() => verifier.Verifier.ValidateAsync(revoked.AccessToken, "tickets.read"), r => !r.IsValid, Bound + TimeSpan.FromSeconds(5), "the stale verifier to ask Introspect");
        Assert.That(refusal.Failure, Is.EqualTo(TokenFailure.Inactive));
        Assert.That(refusal.Message, Does.Contain("grant was revoked"));
        Assert.That(verifier.Cache.IsFresh, Is.False);
        var accepted = await verifier.Verifier.ValidateAsync(live.AccessToken, "tickets.read");
        Assert.That(accepted.IsValid, Is.True, accepted.Message);

        await broker.StopAsync();

        var unavailable = await verifier.Verifier.ValidateAsync(live.AccessToken, "tickets.read");
        Assert.That(unavailable.Failure, Is.EqualTo(TokenFailure.Unavailable));
    }
}
