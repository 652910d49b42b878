using CredBroker.Client.Internal;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Client.Tests;

/// <summary>The cache's edges that a real broker cannot provoke on demand: synchronous fetches, failures, growth.</summary>
public sealed class GrantCacheUnitTests
{
    private FakeTimeProvider clock = null!;
    private int fetches;

    // NUnit shares one fixture instance between tests: each starts from a fresh clock and count.
    [SetUp]
    public void Reset()
    {
        clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        fetches = 0;
    }

    private Task<BrokerGrant> FetchAsync(GrantKey key, TimeSpan lifetime)
    {
        var n = Interlocked.Increment(ref fetches);
        var now = clock.GetUtcNow();
        return Task.FromResult(new BrokerGrant($"g_{n}", $"token-{n}", now, now + lifetime, key.TaskId, "spiffe://test.local/a", ["tickets.read"], "https://tickets.test", "tickets.read"));
    }

    private static GrantKey Key(string taskId) => GrantKey.Of(new GrantRequest(taskId, "p", ["tickets.read"]));

    [Test]
    public async Task A_fetch_that_completes_synchronously_does_not_stop_later_refreshes()
    {
        var cache = new GrantCache(clock, TimeSpan.FromSeconds(30));
        var key = Key("t-1");

        var first = await cache.GetAsync(key, _ => FetchAsync(key, TimeSpan.FromMinutes(2)), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(91));
        var second = await cache.GetAsync(key, _ => FetchAsync(key, TimeSpan.FromMinutes(2)), CancellationToken.None);

        Assert.That(second.GrantId, Is.Not.EqualTo(first.GrantId));
        Assert.That(fetches, Is.EqualTo(2));
    }

    [Test]
    public async Task A_failed_fetch_is_rethrown_to_every_waiter_and_then_retried()
    {
        var cache = new GrantCache(clock, TimeSpan.FromSeconds(30));
        var key = Key("t-1");
        var gate = new TaskCompletionSource<BrokerGrant>();

        var waiters = Enumerable.Range(0, 4).Select(_ => cache.GetAsync(key, _ => gate.Task, CancellationToken.None)).ToList();
        gate.SetException(new CredBrokerException(Grpc.Core.StatusCode.Unavailable, "store down"));
        foreach (var waiter in waiters)
        {
            Assert.That(async () => await waiter, Throws.TypeOf<CredBrokerException>());
        }

        var retried = await cache.GetAsync(key, _ => FetchAsync(key, TimeSpan.FromMinutes(2)), CancellationToken.None);
        Assert.That(retried.GrantId, Is.EqualTo("g_1"));
    }

    [Test]
    public async Task Expired_grants_of_finished_tasks_are_dropped_as_new_ones_arrive()
    {
        var cache = new GrantCache(clock, TimeSpan.FromSeconds(30));
        for (var i = 0; i < 50; i++)
        {
            var key = Key($"t-{i}");
            await cache.GetAsync(key, _ => FetchAsync(key, TimeSpan.FromMinutes(1)), CancellationToken.None);
        }

        clock.Advance(TimeSpan.FromMinutes(2));
        var last = Key("t-last");
        await cache.GetAsync(last, _ => FetchAsync(last, TimeSpan.FromMinutes(1)), CancellationToken.None);

        Assert.That(cache.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task Forgetting_a_task_or_a_grant_makes_the_next_call_fetch()
    {
        var cache = new GrantCache(clock, TimeSpan.FromSeconds(30));
        var key = Key("t-1");
        Task<BrokerGrant> Get() => cache.GetAsync(key, _ => FetchAsync(key, TimeSpan.FromMinutes(2)), CancellationToken.None);

        var first = await Get();
        cache.ForgetGrant(first.GrantId);
        var second = await Get();
        cache.ForgetTask("t-1");
        var third = await Get();

        Assert.That(new[] { first.GrantId, second.GrantId, third.GrantId }, Is.Unique);
    }
}
