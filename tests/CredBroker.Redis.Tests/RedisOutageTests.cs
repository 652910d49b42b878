using CredBroker.Core.Grants;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Testing.Redis;
using NUnit.Framework;
using static CredBroker.Redis.Tests.RedisStores;

namespace CredBroker.Redis.Tests;

/// <summary>
/// Each test owns a redis-server it stops and starts: the store fails closed while Redis is away
/// (invariant 1), heals without being rebuilt, and keeps every acknowledged revocation (invariant 3).
/// </summary>
[TestFixture]
public sealed class RedisOutageTests
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(10);

    [Test]
    public async Task While_Redis_is_down_the_store_fails_closed_and_heals_when_Redis_is_back()
    {
        await using var server = await RedisServer.StartNewAsync();
        await using var redis = await ConnectAsync(server.Endpoint);
        using var store = Create(redis);
        var taskId = NewTaskId();
        var before = await InsertAsync(store, Draft(taskId));

        await server.StopAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(async () => await store.InsertGrantAsync(Draft(taskId), requireOpenTask: false, default), Throws.TypeOf<BrokerStoreUnavailableException>());
        TestContext.Out.WriteLine($"insert failed closed after {clock.ElapsedMilliseconds} ms");
        Assert.That(async () => await store.RevokeTaskAsync(taskId, "done", default), Throws.TypeOf<BrokerStoreUnavailableException>());
        Assert.That(async () => await store.RevokeGrantAsync(before.GrantId, "operator", default), Throws.TypeOf<BrokerStoreUnavailableException>());
        Assert.That(async () => await store.FindGrantAsync(before.GrantId, default), Throws.TypeOf<BrokerStoreUnavailableException>());
        Assert.That(async () => await store.GetGrantStatusAsync(taskId, before.GrantId, default), Throws.TypeOf<BrokerStoreUnavailableException>());
        Assert.That(async () => await store.GetTimeAsync(default), Throws.TypeOf<BrokerStoreUnavailableException>());

        await server.StartAsync();
        clock.Restart();
        var after = await EventuallyAsync(async () => await store.InsertGrantAsync(Draft(taskId), requireOpenTask: false, default), Recovery);
        TestContext.Out.WriteLine($"insert succeeded {clock.ElapsedMilliseconds} ms after Redis was back");

        Assert.That(after, Is.TypeOf<GrantInsertResult.Inserted>());
        Assert.That(await store.GetGrantStatusAsync(taskId, before.GrantId, default), Is.EqualTo(GrantStatus.Active), "the grant stored before the crash is still there (AOF)");
    }

    [Test]
    public async Task A_store_created_while_Redis_is_down_works_once_Redis_is_up()
    {
        await using var server = await RedisServer.StartNewAsync();
        await server.StopAsync();
        await using var redis = await ConnectAsync(server.Endpoint);
        using var store = Create(redis);

        Assert.That(async () => await store.InsertGrantAsync(Draft(NewTaskId()), requireOpenTask: false, default), Throws.TypeOf<BrokerStoreUnavailableException>());

        await server.StartAsync();
        var inserted = await EventuallyAsync(async () => await store.InsertGrantAsync(Draft(NewTaskId()), requireOpenTask: false, default), Recovery);

        Assert.That(inserted, Is.TypeOf<GrantInsertResult.Inserted>());
    }

    [Test]
    public async Task Revocations_survive_Redis_being_killed_right_after_they_returned()
    {
        await using var server = await RedisServer.StartNewAsync();
        await using var redis = await ConnectAsync(server.Endpoint);
        using var store = Create(redis);
        var revokedTask = NewTaskId();
        var taskGrant = await InsertAsync(store, Draft(revokedTask));
        var revokedGrant = await InsertAsync(store, Draft(NewTaskId()));
        var taskRevocation = await store.RevokeTaskAsync(revokedTask, "done", default);
        var grantRevocation = await store.RevokeGrantAsync(revokedGrant.GrantId, "operator", default);

        await server.StopAsync();
        await server.StartAsync();

        var status = await EventuallyAsync(async () => await store.GetGrantStatusAsync(revokedTask, taskGrant.GrantId, default), Recovery);
        Assert.That(status, Is.EqualTo(new GrantStatus(GrantState.TaskRevoked, taskRevocation.RevokedAt)));
        Assert.That(await store.InsertGrantAsync(Draft(revokedTask), requireOpenTask: false, default), Is.EqualTo(new GrantInsertResult.TaskRevoked(taskRevocation.RevokedAt)));
        Assert.That(await store.RevokeTaskAsync(revokedTask, "again", default), Is.EqualTo(new TaskRevocationResult(0, taskRevocation.RevokedAt, AlreadyRevoked: true)));
        Assert.That(await store.GetGrantStatusAsync(revokedGrant.TaskId, revokedGrant.GrantId, default), Is.EqualTo(new GrantStatus(GrantState.GrantRevoked, grantRevocation!.RevokedAt)));
    }

    [Test]
    public async Task Revocation_notices_subscribed_while_Redis_is_down_arrive_once_it_is_up()
    {
        await using var server = await RedisServer.StartNewAsync();
        await server.StopAsync();
        await using var follower = await ConnectAsync(server.Endpoint);
        var log = CreateRevocationLog(follower);
        using var noticed = new SemaphoreSlim(0);

        Assert.That(() => log.OnAppended(() => noticed.Release()), Throws.Nothing, "a hint that cannot be subscribed yet must not stop the caller");

        await server.StartAsync();
        await using var writer = await ConnectAsync(server.Endpoint);
        var appender = CreateRevocationLog(writer);
        var deadline = DateTime.UtcNow + Recovery;
        while (DateTime.UtcNow < deadline && !await noticed.WaitAsync(TimeSpan.Zero))
        {
            await EventuallyAsync(async () => await appender.AppendAsync(new RevocationDraft(RevocationKind.Tool, "db.read", "test", null, TimeSpan.FromMinutes(1)), default), Recovery);
            if (await noticed.WaitAsync(TimeSpan.FromMilliseconds(200)))
            {
                return;
            }
        }

        Assert.Fail("no revocation notice reached the log that subscribed while Redis was down");
    }
}
