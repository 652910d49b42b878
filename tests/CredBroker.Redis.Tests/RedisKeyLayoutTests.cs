using CredBroker.Testing.Redis;
using NUnit.Framework;
using StackExchange.Redis;
using static CredBroker.Redis.Tests.RedisStores;

namespace CredBroker.Redis.Tests;

/// <summary>The keys as they really are in Redis: hash tags, expiries and encodings.</summary>
[TestFixture]
public sealed class RedisKeyLayoutTests
{
    private IConnectionMultiplexer redis = null!;
    private IDatabase db = null!;

    [OneTimeSetUp]
    public async Task Connect()
    {
        redis = await ConnectAsync(await SharedRedis.GetEndpointAsync());
        db = redis.GetDatabase();
    }

    [OneTimeTearDown]
    public async Task Disconnect() => await redis.DisposeAsync();

    [Test]
    public async Task Every_key_of_a_task_carries_its_hash_tag_so_all_share_one_slot()
    {
        using var store = Create(redis);
        var taskId = NewTaskId();
        var kept = await InsertAsync(store, Draft(taskId));
        var released = await InsertAsync(store, Draft(taskId));
        await store.RevokeGrantAsync(released.GrantId, "released", default);
        await store.RevokeTaskAsync(taskId, "done", default);

        var keys = await KeysAsync("*" + taskId + "*");

        var tag = RedisKeys.TaskTag(taskId);
        Assert.That(keys, Is.EquivalentTo(new[] { $"{tag}:g:{kept.GrantId}", $"{tag}:g:{released.GrantId}", $"{tag}:grants", $"{tag}:revoked", $"{tag}:task" }));
        Assert.That(keys.Select(k => redis.HashSlot(k)).Distinct().Count(), Is.EqualTo(1));
        Assert.That((string?)await db.StringGetAsync($"gi:{kept.GrantId}"), Is.EqualTo(taskId));
    }

    [Test]
    public async Task Grant_record_holds_unix_ms_times_and_expires_at_its_exp()
    {
        using var store = Create(redis);
        var grant = await InsertAsync(store, Draft(NewTaskId(), TimeSpan.FromMinutes(5)));
        var record = RedisKeys.Grant(string.Empty, grant.TaskId, grant.GrantId);

        var fields = (await db.HashGetAllAsync(record)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        var pttl = await db.KeyTimeToLiveAsync(record);
        var now = await store.GetTimeAsync(default);

        Assert.That(fields["iat"], Is.EqualTo(grant.IssuedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(fields["exp"], Is.EqualTo(grant.ExpiresAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(fields["tools"], Is.EqualTo("github.issues.read db.read"));
        Assert.That(await db.KeyExpireTimeAsync(record), Is.EqualTo(grant.ExpiresAt.UtcDateTime));
        Assert.That(pttl, Is.EqualTo(grant.ExpiresAt - now).Within(TimeSpan.FromSeconds(1)));
        Assert.That(await db.KeyExpireTimeAsync(RedisKeys.TaskGrants(string.Empty, grant.TaskId)), Is.EqualTo(grant.ExpiresAt.UtcDateTime));
    }

    [Test]
    public async Task Grant_index_expires_with_its_grant()
    {
        using var store = Create(redis);
        var grant = await InsertAsync(store, Draft(NewTaskId(), TimeSpan.FromMinutes(5)));
        var index = RedisKeys.GrantIndex(string.Empty, grant.GrantId);

        // The exact expiry is set fire-and-forget after the insert; give it a moment to land.
        DateTime? expiry = null;
        for (var i = 0; i < 20 && expiry != grant.ExpiresAt.UtcDateTime; i++)
        {
            expiry = await db.KeyExpireTimeAsync(index);
            await Task.Delay(25);
        }

        Assert.That(expiry, Is.EqualTo(grant.ExpiresAt.UtcDateTime));
    }

    [Test]
    public async Task Task_revocation_is_kept_for_the_retention_or_until_its_last_grant_expires()
    {
        using var store = Create(redis, retention: TimeSpan.FromHours(1));
        var longLived = await InsertAsync(store, Draft(NewTaskId(), TimeSpan.FromHours(2)));
        var idleTask = NewTaskId();

        await store.RevokeTaskAsync(longLived.TaskId, "done", default);
        var idle = await store.RevokeTaskAsync(idleTask, "done", default);

        Assert.That(await db.KeyExpireTimeAsync(RedisKeys.TaskRevoked(string.Empty, longLived.TaskId)), Is.EqualTo(longLived.ExpiresAt.UtcDateTime));
        Assert.That(await db.KeyExpireTimeAsync(RedisKeys.TaskRevoked(string.Empty, idleTask)), Is.EqualTo((idle.RevokedAt + TimeSpan.FromHours(1)).UtcDateTime));
    }

    [Test]
    public async Task Key_prefix_goes_before_every_key()
    {
        var prefix = $"cb-{Guid.NewGuid():N}:";
        using var store = Create(redis, keyPrefix: prefix);
        var grant = await InsertAsync(store, Draft(NewTaskId()));
        await store.RevokeTaskAsync(grant.TaskId, "done", default);

        var keys = await KeysAsync(prefix + "*");

        Assert.That(keys, Is.EquivalentTo(new[]
        {
            prefix + "gi:" + grant.GrantId,
            prefix + "grants:live",
            prefix + RedisKeys.TaskTag(grant.TaskId) + ":g:" + grant.GrantId,
            prefix + RedisKeys.TaskTag(grant.TaskId) + ":grants",
            prefix + RedisKeys.TaskTag(grant.TaskId) + ":revoked",
            prefix + RedisKeys.TaskTag(grant.TaskId) + ":task",
        }));
        Assert.That(await store.FindGrantAsync(grant.GrantId, default), Is.Not.Null);
    }

    [Test]
    public async Task A_lost_grant_record_reads_as_inactive()
    {
        using var store = Create(redis);
        var grant = await InsertAsync(store, Draft(NewTaskId()));

        await db.KeyDeleteAsync(RedisKeys.Grant(string.Empty, grant.TaskId, grant.GrantId));

        Assert.That(await store.GetGrantStatusAsync(grant.TaskId, grant.GrantId, default), Is.EqualTo(Core.Storage.GrantStatus.Unknown));
        Assert.That(await store.FindGrantAsync(grant.GrantId, default), Is.Null);
        Assert.That(await store.RevokeGrantAsync(grant.GrantId, "operator", default), Is.Null);
    }

    [Test]
    public void Key_prefix_with_a_brace_is_refused()
    {
        Assert.That(() => Create(redis, keyPrefix: "team{a}:"), Throws.ArgumentException);
    }

    private async Task<List<string>> KeysAsync(string pattern)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: pattern))
        {
            keys.Add(key.ToString());
        }

        return keys;
    }
}
