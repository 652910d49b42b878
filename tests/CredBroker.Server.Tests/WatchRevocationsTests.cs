using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>WatchRevocations replays the rules in force after a cursor, then streams new ones with keep-alives.</summary>
[TestFixture("memory")]
[TestFixture("redis")]
public sealed class WatchRevocationsTests(string store)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private BrokerFixture broker = null!;
    private string? redis;
    private string prefix = string.Empty;

    [SetUp]
    public async Task Start()
    {
        redis = store == "redis" ? await SharedRedis.GetEndpointAsync() : null;
        prefix = $"watch-{Guid.NewGuid():N}:";
        broker = await BrokerFixture.StartAsync(redis, redisKeyPrefix: prefix);
    }

    [TearDown]
    public async Task Stop()
    {
        await broker.DisposeAsync();
    }

    internal static AsyncServerStreamingCall<RevocationEvent> Watch(BrokerFixture on, string cursor = "") =>
        on.Verify.WatchRevocations(new WatchRevocationsRequest { AfterCursor = cursor }, on.As(TestPolicy.Tool).WithDeadline(DateTime.UtcNow + Patience));

    /// <summary>Reads events until one satisfies <paramref name="wanted"/>; fails after the patience runs out.</summary>
    internal static async Task<List<RevocationEvent>> ReadUntilAsync(AsyncServerStreamingCall<RevocationEvent> call, Func<RevocationEvent, bool> wanted)
    {
        var seen = new List<RevocationEvent>();
        while (await call.ResponseStream.MoveNext())
        {
            seen.Add(call.ResponseStream.Current);
            if (wanted(call.ResponseStream.Current))
            {
                return seen;
            }
        }

        Assert.Fail("the stream ended first");
        return seen;
    }

    private static async Task<Grant> GrantAsync(BrokerFixture on, string taskId) =>
        (await on.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "p", Tools = { "tickets.read" } }, on.As(TestPolicy.Support))).Grant;

    [Test]
    public async Task A_new_watcher_replays_every_rule_in_force_then_keeps_alive()
    {
        var taskId = BrokerFixture.NewTaskId();
        var grant = await GrantAsync(broker, BrokerFixture.NewTaskId());
        await GrantAsync(broker, taskId);
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId }, broker.As(TestPolicy.Operator));

        using var call = Watch(broker);
        var events = await ReadUntilAsync(call, e => e.KeepAlive);

        Assert.That(events.Any(e => e.Kind == RevocationKind.Task && e.Subject == taskId), Is.True);
        Assert.That(events.Any(e => e.Kind == RevocationKind.Grant && e.Subject == grant.GrantId), Is.True);
        Assert.That(events.Select(e => e.Cursor), Is.Ordered.Using<string>(CompareCursors));
        var beats = await ReadUntilAsync(call, e => e.KeepAlive);
        Assert.That(beats.Last().Cursor, Is.EqualTo(events.Last().Cursor), "keep-alives carry the cursor to resume from");
    }

    [Test]
    public async Task A_connected_watcher_receives_a_revocation_as_it_happens()
    {
        using var call = Watch(broker);
        await ReadUntilAsync(call, e => e.KeepAlive);

        await broker.Admin.RevokeToolAsync(new RevokeToolRequest { Tool = "tickets.write", Reason = "compromised" }, broker.As(TestPolicy.Operator));

        var events = await ReadUntilAsync(call, e => e.Kind == RevocationKind.Tool);
        var tool = events.Last();
        Assert.That(tool.Subject, Is.EqualTo("tickets.write"));
        Assert.That(tool.Reason, Is.EqualTo("compromised"));
        Assert.That(tool.LiftedAt, Is.Null, "the tool revocation stands until released");

        await broker.Admin.ReleaseToolAsync(new ReleaseToolRequest { Tool = "tickets.write" }, broker.As(TestPolicy.Operator));

        var lifted = (await ReadUntilAsync(call, e => e.Kind == RevocationKind.Tool && e.LiftedAt is not null)).Last();
        Assert.That(lifted.RevokedAt, Is.EqualTo(tool.RevokedAt), "the release lifts that same rule: tokens issued before it stay covered");
    }

    [Test]
    public async Task A_watcher_resuming_from_a_cursor_gets_only_what_came_after()
    {
        var first = BrokerFixture.NewTaskId();
        var second = BrokerFixture.NewTaskId();
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = first }, broker.As(TestPolicy.Orchestrator));
        string cursor;
        using (var call = Watch(broker))
        {
            cursor = (await ReadUntilAsync(call, e => e.KeepAlive)).Last().Cursor;
        }

        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = second }, broker.As(TestPolicy.Orchestrator));
        using var resumed = Watch(broker, cursor);
        var events = await ReadUntilAsync(resumed, e => e.KeepAlive);

        Assert.That(events.Where(e => !e.KeepAlive).Select(e => e.Subject), Is.EqualTo(new[] { second }));
    }

    [Test]
    public void A_malformed_cursor_is_refused_naming_the_field()
    {
        using var call = Watch(broker, "not-a-cursor");
        var error = Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.StartWith("after_cursor:"));
    }

    private static int CompareCursors(string a, string b) => Core.Revocation.Cursors.Compare(a, b);
}

/// <summary>Several broker replicas on one Redis: a revocation made on any reaches watchers of every one.</summary>
public sealed class ReplicaWatchTests
{
    [Test]
    public async Task A_revocation_on_one_replica_reaches_watchers_of_another()
    {
        var redis = await SharedRedis.GetEndpointAsync();
        var prefix = $"replicas-{Guid.NewGuid():N}:";
        await using var broker = await BrokerFixture.StartAsync(redis, redisKeyPrefix: prefix);
        await using var other = await BrokerFixture.StartAsync(redis, redisKeyPrefix: prefix);
        using var call = WatchRevocationsTests.Watch(other);
        await WatchRevocationsTests.ReadUntilAsync(call, e => e.KeepAlive);
        var taskId = BrokerFixture.NewTaskId();

        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));

        var events = await WatchRevocationsTests.ReadUntilAsync(call, e => e.Subject == taskId);
        Assert.That(events.Last().Kind, Is.EqualTo(RevocationKind.Task));
    }
}
