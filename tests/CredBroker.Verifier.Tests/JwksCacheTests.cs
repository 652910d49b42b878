using System.Security.Cryptography;
using CredBroker.Testing.Broker;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Verifier.Tests;

/// <summary>The verifier's JWKS cache: refresh on an unknown kid, at most once per interval, and rotation without a restart.</summary>
public sealed class JwksCacheTests
{
    private static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(5);

    private JwksHost host = null!;
    private FakeTimeProvider time = null!;
    private VerifierHarness verifier = null!;
    private ECDsa first = null!;
    private ECDsa second = null!;

    [SetUp]
    public async Task Start()
    {
        host = await JwksHost.StartAsync();
        first = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        host.Publish(first);
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero));
        verifier = await VerifierHarness.StartAsync(new Uri("http://127.0.0.1:9"), () => "unused", o =>
        {
            o.JwksUri = host.JwksUri;
            o.JwksMinRefreshInterval = MinRefresh;
            o.JwksRefreshInterval = Refresh;
        }, time, follow: false);
        Assert.That(await verifier.Jwks.LoadAsync(CancellationToken.None), Is.True, verifier.Jwks.LastFailure);
    }

    [TearDown]
    public async Task Stop()
    {
        await verifier.DisposeAsync();
        await host.DisposeAsync();
        first.Dispose();
        second.Dispose();
    }

    [Test]
    public async Task A_key_rotated_in_is_found_by_refreshing_on_its_unknown_kid()
    {
        Assert.That(await verifier.Jwks.FindAsync(JwksHost.Kid(first), CancellationToken.None), Is.Not.Null);
        host.Publish(first, second);
        time.Advance(MinRefresh);

        var found = await verifier.Jwks.FindAsync(JwksHost.Kid(second), CancellationToken.None);

        Assert.That(found, Is.Not.Null);
        Assert.That(host.Requests, Is.EqualTo(2), "one fetch at start, one for the unknown kid");
    }

    [Test]
    public async Task Unknown_kids_fetch_the_JWKS_at_most_once_per_min_refresh_interval()
    {
        for (var i = 0; i < 50; i++)
        {
            Assert.That(await verifier.Jwks.FindAsync($"made-up-{i}", CancellationToken.None), Is.Null);
        }

        Assert.That(host.Requests, Is.EqualTo(1), "made-up kids within the interval fetch nothing");
        host.Publish(first, second);
        time.Advance(MinRefresh - TimeSpan.FromSeconds(1));
        Assert.That(await verifier.Jwks.FindAsync(JwksHost.Kid(second), CancellationToken.None), Is.Null, "still within the interval");
        Assert.That(host.Requests, Is.EqualTo(1));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(await verifier.Jwks.FindAsync(JwksHost.Kid(second), CancellationToken.None), Is.Not.Null);
        Assert.That(await verifier.Jwks.FindAsync("made-up-again", CancellationToken.None), Is.Null);
        Assert.That(host.Requests, Is.EqualTo(2));
    }

    [Test]
    public async Task A_key_withdrawn_from_the_JWKS_stops_verifying_after_the_refresh_interval()
    {
        host.Publish(second);
        time.Advance(Refresh);

        // The stale key set is served while a refresh runs behind the caller's back.
        await verifier.Jwks.FindAsync(JwksHost.Kid(first), CancellationToken.None);
        await Eventually.TrueAsync(async () => await verifier.Jwks.FindAsync(JwksHost.Kid(first), CancellationToken.None) is null, TimeSpan.FromSeconds(10), "the withdrawn key to be dropped");

        Assert.That(await verifier.Jwks.FindAsync(JwksHost.Kid(second), CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public async Task A_JWKS_that_cannot_be_fetched_keeps_the_last_good_keys()
    {
        host.Failing = true;
        time.Advance(Refresh);

        Assert.That(await verifier.Jwks.FindAsync(JwksHost.Kid(first), CancellationToken.None), Is.Not.Null);
        await Eventually.TrueAsync(() => Task.FromResult(verifier.Jwks.LastFailure is not null), TimeSpan.FromSeconds(10), "the failed fetch to be recorded");
        Assert.That(await verifier.Jwks.FindAsync(JwksHost.Kid(first), CancellationToken.None), Is.Not.Null);
    }
}
