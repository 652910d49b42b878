using CredBroker.Core.Telemetry;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace CredBroker.Core.Tests.Telemetry;

/// <summary>The live-grants gauge: issued grants count until they expire or are revoked, by grant or by task.</summary>
[TestFixture]
public sealed class LiveGrantsTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public void Grants_count_until_they_expire()
    {
        var live = new LiveGrants(time);
        live.Issued("g_1", "t-a", time.GetUtcNow().AddSeconds(30));
        live.Issued("g_2", "t-a", time.GetUtcNow().AddSeconds(60));

        Assert.That(live.Count(), Is.EqualTo(2));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.That(live.Count(), Is.EqualTo(1), "a grant is dead at its exp");
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.That(live.Count(), Is.Zero);
    }

    [Test]
    public void Revoking_a_task_takes_only_its_own_grants()
    {
        var live = new LiveGrants(time);
        live.Issued("g_1", "t-a", time.GetUtcNow().AddMinutes(5));
        live.Issued("g_2", "t-a", time.GetUtcNow().AddMinutes(5));
        live.Issued("g_3", "t-b", time.GetUtcNow().AddMinutes(5));

        live.TaskRevoked("t-a");

        Assert.That(live.Count(), Is.EqualTo(1));
        live.Revoked("g_3");
        Assert.That(live.Count(), Is.Zero);
    }

    [Test]
    public void A_revoked_grant_is_not_counted_again_and_its_expiry_does_not_touch_a_later_one()
    {
        var live = new LiveGrants(time);
        live.Issued("g_1", "t-a", time.GetUtcNow().AddSeconds(10));
        live.Revoked("g_1");
        live.Revoked("g_1");
        live.Issued("g_2", "t-a", time.GetUtcNow().AddSeconds(20));

        Assert.That(live.Count(), Is.EqualTo(1));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(live.Count(), Is.EqualTo(1), "g_1's expiry passing does not forget g_2");
        live.TaskRevoked("t-a");
        Assert.That(live.Count(), Is.Zero);
    }
}
