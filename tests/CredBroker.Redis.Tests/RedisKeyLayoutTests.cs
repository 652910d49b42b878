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
        Assert.That(keys, Is.EquivalentTo(new[] { $"{tag}:gr", $"{tag}:grants", $"{tag}:gone", $"{tag}:revoked", $"{tag}:task" }));
        Assert.That(keys.Select(k => redis.HashSlot(k)).Distinct().Count(), Is.EqualTo(1));
        Assert.That((string?)await db.StringGetAsync($"gi:{kept.GrantId}"), Is.EqualTo(taskId));
    }

    [Test]
    public async Task Grant_record_is_one_field_of_its_task_holding_unix_seconds_and_tools()
    {
        using var store = Create(redis);
        var grant = await InsertAsync(store, Draft(NewTaskId(), TimeSpan.FromMinutes(5)));
        var records = RedisKeys.GrantRecords(string.Empty, grant.TaskId);

        var fields = (await db.HashGetAllAsync(records)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);

        Assert.That(fields, Is.EqualTo(new Dictionary<string, string>
        {
            [grant.GrantId] = FormattableString.Invariant($"{grant.IssuedAt.ToUnixTimeSeconds()} {grant.ExpiresAt.ToUnixTimeSeconds()} github.issues.read db.read"),
        }));
        Assert.That(await db.HashGetAsync(RedisKeys.Task(string.Empty, grant.TaskId), "aud"), Is.EqualTo((RedisValue)grant.Audience), "the audience is kept once, on the task");
        Assert.That(await db.KeyExpireTimeAsync(records), Is.EqualTo(grant.ExpiresAt.UtcDateTime));
        Assert.That(await db.KeyExpireTimeAsync(RedisKeys.TaskGrants(string.Empty, grant.TaskId)), Is.EqualTo(grant.ExpiresAt.UtcDateTime));
    }

    [Test]
    public async Task A_grant_whose_purpose_or_audience_differs_from_its_tasks_keeps_its_own()
    {
        using var store = Create(redis);
        var taskId = NewTaskId();
        var first = await InsertAsync(store, Draft(taskId));
        var other = await InsertAsync(store, Draft(taskId) with { Purpose = "follow-up", Audience = "https://other.example.org" });

        var found = await store.FindGrantAsync(other.GrantId, default);
        var listed = await store.ListGrantsAsync(new Core.Grants.GrantFilter(taskId, null, null), 10, null, default);

        Assert.That((found!.Grant.Purpose, found.Grant.Audience, found.Grant.Owner), Is.EqualTo(("follow-up", "https://other.example.org", first.Owner)));
        Assert.That((await store.FindGrantAsync(first.GrantId, default))!.Grant.Purpose, Is.EqualTo(first.Purpose));
        Assert.That(listed.Grants.Single(g => g.GrantId == other.GrantId).Purpose, Is.EqualTo("follow-up"));
        Assert.That(await db.HashExistsAsync(RedisKeys.GrantRecords(string.Empty, taskId), first.GrantId + ":x"), Is.False, "a grant like its task stores nothing extra");
    }

    [Test]
    public async Task Grant_index_expires_within_a_minute_after_its_grant()
    {
        using var store = Create(redis);
        var grant = await InsertAsync(store, Draft(NewTaskId(), TimeSpan.FromMinutes(5)));

        var expiry = await db.KeyExpireTimeAsync(RedisKeys.GrantIndex(string.Empty, grant.GrantId));

        Assert.That(expiry, Is.GreaterThanOrEqualTo(grant.ExpiresAt.UtcDateTime));
        Assert.That(expiry, Is.LessThanOrEqualTo(grant.ExpiresAt.UtcDateTime + TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1)));
    }

    [Test]
    public async Task Expired_grants_are_forgotten_by_the_next_insert_of_their_task()
    {
        using var store = Create(redis);
        var taskId = NewTaskId();
        var shortLived = await InsertAsync(store, Draft(taskId, TimeSpan.FromSeconds(1)));
        var revoked = await InsertAsync(store, Draft(taskId, TimeSpan.FromSeconds(1)));
        await store.RevokeGrantAsync(revoked.GrantId, "operator", default);
        var records = RedisKeys.GrantRecords(string.Empty, taskId);
        Assert.That(await db.HashLengthAsync(records), Is.EqualTo(3), "two records and one revocation");

        while (await store.GetTimeAsync(default) < shortLived.ExpiresAt)
        {
            await Task.Delay(100);
        }

        var kept = await InsertAsync(store, Draft(taskId));

        var fields = (await db.HashKeysAsync(records)).Select(f => (string)f!).ToList();
        Assert.That(fields, Is.EqualTo(new[] { kept.GrantId }));
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
            prefix + "tasks:live",
            prefix + RedisKeys.TaskTag(grant.TaskId) + ":gr",
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

        await db.HashDeleteAsync(RedisKeys.GrantRecords(string.Empty, grant.TaskId), grant.GrantId);

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
