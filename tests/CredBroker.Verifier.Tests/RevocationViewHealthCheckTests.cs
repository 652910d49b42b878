using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Verifier.Tests;

/// <summary>The tool server's health check: unhealthy while the revocation view is stale, on the verifier's own clock.</summary>
public sealed class RevocationViewHealthCheckTests
{
    [Test]
    public async Task Unhealthy_until_the_broker_confirms_the_view_healthy_while_fresh_unhealthy_once_stale()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-03T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var options = Options.Create(new CredBrokerVerifierOptions { MaxStaleness = TimeSpan.FromSeconds(5) });
        var cache = new RevocationCache(options, time);
        var check = new RevocationViewHealthCheck(cache, options, time);

        var before = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.That(before.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(before.Description, Does.Contain("not yet received"));

        cache.KeepAlive("0");
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.That((await check.CheckHealthAsync(new HealthCheckContext())).Status, Is.EqualTo(HealthStatus.Healthy), "fresh up to the bound");

        time.Advance(TimeSpan.FromSeconds(1));
        var stale = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.That(stale.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(stale.Description, Is.EqualTo("revocation view is stale: last confirmed by the broker 6.0 s ago, bound 5 s"));
    }
}
