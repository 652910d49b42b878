using System.Diagnostics;
using CredBroker.Protocol.V1;
using CredBroker.Redis;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Verifier.Tests.Durability;

/// <summary>
/// A broker that started before Redis heals by itself, even through an unsafe start of Redis; and a
/// stalled Redis costs a grant at most its timeout (plus a margin), never more than the caller's deadline,
/// and leaves no record behind.
/// </summary>
[TestFixture]
public sealed class StartAndStallTests : RedisFaultFixture
{
    /// <summary>DEBUG SLEEP is off by default in Redis 7; allowed here from loopback only.</summary>
    protected override string[] RedisArguments => ["--enable-debug-command", "local"];

    [Test]
    public async Task A_broker_started_before_Redis_serves_once_Redis_comes_up_unsafe_and_is_fixed()
    {
        await Redis.StopAsync();
        await using var broker = await StartBrokerAsync();
        try
        {
            Assert.That(async () => await GrantAsync(broker), Throws.TypeOf<RpcException>().With.Property(nameof(RpcException.StatusCode)).EqualTo(StatusCode.Unavailable));

            await Redis.StartAsync("--appendfsync", "everysec");
            await RefusedAsync(broker, StatusCode.Unavailable, "appendfsync is 'everysec', needs 'always'");
        }
        finally
        {
            if (!Redis.IsRunning)
            {
                await Redis.StartAsync();
            }

            await ConfigSetAsync("appendfsync", "always");
        }

        var grant = await ServedAgainAsync(broker);
        Assert.That((await broker.IntrospectAsync(grant.AccessToken)).Active, Is.True);
        Assert.That(await LiveGrantRecordsAsync(broker), Is.EqualTo(1), "live grant records = tokens answered OK");
    }

    [Test]
    public async Task A_stalled_Redis_fails_a_grant_within_its_timeout_and_the_caller_deadline_and_leaves_no_record()
    {
        var prefix = NewPrefix();
        await using var broker = await StartBrokerAsync(new Dictionary<string, string?> { ["CredBroker:RedisTimeout"] = "00:00:01" }, prefix);
        var warm = await ServedAgainAsync(broker); // the first grant loads scripts and JIT; on a busy machine it may pass 1 s
        var stalledTask = BrokerFixture.NewTaskId();
        var deadlineTask = BrokerFixture.NewTaskId();

        var sleeping = AdminAsync((server, _) => server.ExecuteAsync("DEBUG", "SLEEP", "5"));
        await Task.Delay(100);

        var clock = Stopwatch.StartNew();
        var stalled = Assert.ThrowsAsync<RpcException>(async () => await GrantAsync(broker, stalledTask));
        var stalledAfter = clock.Elapsed;
        Assert.That(stalled!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(stalledAfter, Is.LessThanOrEqualTo(TimeSpan.FromSeconds(1.5)), "the Redis timeout (1 s) plus a small margin");

        clock.Restart();
        var expired = Assert.ThrowsAsync<RpcException>(async () => await GrantAsync(broker, deadlineTask, broker.As(TestPolicy.Support).WithDeadline(DateTime.UtcNow.AddMilliseconds(300))));
        var expiredAfter = clock.Elapsed;
        Assert.That(expired!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
        TestContext.Out.WriteLine($"stalled grant failed after {stalledAfter.TotalMilliseconds:F0} ms; 300 ms deadline ended after {expiredAfter.TotalMilliseconds:F0} ms");
        Assert.That(expiredAfter, Is.LessThan(TimeSpan.FromSeconds(1)), "about the caller's 300 ms, not the store's timeout");

        await sleeping;
        await ServedAgainAsync(broker);
        foreach (var task in new[] { stalledTask, deadlineTask })
        {
            Assert.That(await AdminAsync((_, db) => db.HashLengthAsync(RedisKeys.GrantRecords(prefix, task))), Is.Zero, $"no record of task {task}'s refused grant");
        }

        Assert.That(await LiveGrantRecordsAsync(broker), Is.EqualTo(2), "live grant records = tokens answered OK (the warm-up and the one after)");
        Assert.That((await broker.IntrospectAsync(warm.AccessToken)).Active, Is.True);
    }
}
