using CredBroker.Core.Revocation;
using CredBroker.Core.Tokens;

namespace CredBroker.Core.Tests.Revocation;

/// <summary>A delegated token is covered by a grant rule on any ancestor and a workload rule on any actor of its chain.</summary>
public sealed class DelegatedRevocationTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    /// <summary>C's token: root A (g_a) handed to B (g_b), B to C (g_c).</summary>
    private static readonly AccessTokenClaims Child =
        new("https://broker", "spiffe://x/a", "spiffe://x/c", "https://tools", T0, T0, T0.AddMinutes(5), "g_c", ["crm.read"], "t-1", "p", "o")
        {
            Actors = ["spiffe://x/c", "spiffe://x/b"],
            Ancestors = ["g_a", "g_b"],
        };

    [TestCase(RevocationKind.Grant, "g_a", true)]
    [TestCase(RevocationKind.Grant, "g_b", true)]
    [TestCase(RevocationKind.Grant, "g_c", true)]
    [TestCase(RevocationKind.Grant, "g_other", false)]
    [TestCase(RevocationKind.Workload, "spiffe://x/a", true)]
    [TestCase(RevocationKind.Workload, "spiffe://x/b", true)]
    [TestCase(RevocationKind.Workload, "spiffe://x/c", true)]
    [TestCase(RevocationKind.Workload, "spiffe://x/d", false)]
    public void The_set_and_the_rule_agree_on_a_chain(RevocationKind kind, string subject, bool covered)
    {
        var rule = new RevocationRule(kind, subject, T0, LiftedAt: null, "r", ExpiresAt: null);
        var set = new RevocationSet();
        set.Apply(rule);

        Assert.That(rule.Covers(Child), Is.EqualTo(covered));
        Assert.That(set.FindCovering(Child), covered ? Is.EqualTo(rule) : Is.Null);
    }
}
