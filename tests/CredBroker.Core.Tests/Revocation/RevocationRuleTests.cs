using CredBroker.Core.Revocation;
using CredBroker.Core.Tokens;

namespace CredBroker.Core.Tests.Revocation;

public sealed class RevocationRuleTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static AccessTokenClaims Token(DateTimeOffset iat, string jti = "g_1", string task = "t-1", string sub = "spiffe://x/a", params string[] scope) =>
        new("https://broker", sub, sub, "https://tools", iat, iat, iat.AddMinutes(5), jti, scope.Length == 0 ? ["tickets.read"] : scope, task, "p", "o");

    [Test]
    public void A_standing_rule_covers_tokens_issued_after_it_too()
    {
        var killSwitch = new RevocationRule(RevocationKind.All, string.Empty, T0, LiftedAt: null, "incident", ExpiresAt: null);
        Assert.That(killSwitch.Covers(Token(T0.AddSeconds(-60))), Is.True);
        Assert.That(killSwitch.Covers(Token(T0.AddSeconds(5))), Is.True, "a token minted in flight during the kill switch is covered");
    }

    [Test]
    public void A_lifted_rule_covers_exactly_the_tokens_issued_before_the_lift()
    {
        var lifted = RevocationTimes.Lift(T0.AddMilliseconds(250), TimeSpan.Zero);
        var rule = new RevocationRule(RevocationKind.Workload, "spiffe://x/a", T0.AddMilliseconds(250), lifted, "r", lifted.AddMinutes(16));
        Assert.That(lifted, Is.EqualTo(T0.AddSeconds(1)), "lift times round up to a whole second");
        Assert.That(rule.Covers(Token(T0)), Is.True, "minted in the lift's own second: covered");
        Assert.That(rule.Covers(Token(T0.AddSeconds(1))), Is.False);
        Assert.That(rule.Covers(Token(T0, sub: "spiffe://x/b")), Is.False, "another workload");
    }

    [TestCase(RevocationKind.Grant, "g_1", true)]
    [TestCase(RevocationKind.Grant, "g_2", false)]
    [TestCase(RevocationKind.Task, "t-1", true)]
    [TestCase(RevocationKind.Task, "t-2", false)]
    [TestCase(RevocationKind.Tool, "repo.write", true)]
    [TestCase(RevocationKind.Tool, "repo.read", false)]
    public void Rules_match_on_claims(RevocationKind kind, string subject, bool matches)
    {
        var rule = new RevocationRule(kind, subject, T0, null, "r", null);
        Assert.That(rule.Covers(Token(T0, scope: ["tickets.read", "repo.write"])), Is.EqualTo(matches));
    }

    [Test]
    public void A_set_finds_the_covering_rule_of_each_kind()
    {
        var set = new RevocationSet();
        set.Apply(new RevocationRule(RevocationKind.Tool, "repo.write", T0, null, "r", null));
        set.Apply(new RevocationRule(RevocationKind.Task, "t-9", T0, null, "r", null));
        Assert.That(set.FindCovering(Token(T0, scope: ["repo.write"]))?.Kind, Is.EqualTo(RevocationKind.Tool));
        Assert.That(set.FindCovering(Token(T0, task: "t-9"))?.Kind, Is.EqualTo(RevocationKind.Task));
        Assert.That(set.FindCovering(Token(T0)), Is.Null);
        Assert.That(set.Count, Is.EqualTo(2));
    }

    [Test]
    public void Releasing_the_kill_switch_keeps_earlier_tokens_dead()
    {
        var set = new RevocationSet();
        set.Apply(new RevocationRule(RevocationKind.All, string.Empty, T0, null, "incident", null));
        set.Apply(new RevocationRule(RevocationKind.All, string.Empty, T0, T0.AddSeconds(60), "incident", T0.AddMinutes(20)));
        Assert.That(set.FindCovering(Token(T0.AddSeconds(30))), Is.Not.Null);
        Assert.That(set.FindCovering(Token(T0.AddSeconds(61))), Is.Null);
    }

    [Test]
    public void Two_engagements_on_one_subject_unite_and_never_shrink()
    {
        var first = new RevocationRule(RevocationKind.Workload, "spiffe://x/a", T0, T0.AddMinutes(30), "quarantine", T0.AddMinutes(50));
        var second = new RevocationRule(RevocationKind.Workload, "spiffe://x/a", T0.AddMinutes(1), T0.AddMinutes(1).AddSeconds(1), "revoke", T0.AddMinutes(20));
        var merged = RevocationSet.Merge(first, second);
        Assert.That(merged.LiftedAt, Is.EqualTo(T0.AddMinutes(30)), "the quarantine still stands");
        Assert.That(merged.ExpiresAt, Is.EqualTo(T0.AddMinutes(50)));
        var standing = RevocationSet.Merge(merged, new RevocationRule(RevocationKind.Workload, "spiffe://x/a", T0.AddMinutes(2), null, "again", null));
        Assert.That(standing.LiftedAt, Is.Null);
        Assert.That(standing.ExpiresAt, Is.Null);
    }

    [Test]
    public void Prune_forgets_only_rules_that_can_cover_no_live_token()
    {
        var set = new RevocationSet();
        set.Apply(new RevocationRule(RevocationKind.Grant, "g_old", T0, null, "r", T0.AddMinutes(16)));
        set.Apply(new RevocationRule(RevocationKind.All, string.Empty, T0, null, "standing", null));
        set.Prune(T0.AddMinutes(17));
        Assert.That(set.Rules.Select(r => r.Kind), Is.EqualTo(new[] { RevocationKind.All }));
    }
}
