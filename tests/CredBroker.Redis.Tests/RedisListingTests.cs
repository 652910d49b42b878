using CredBroker.Core.Grants;
using CredBroker.Testing.Redis;
using NUnit.Framework;
using StackExchange.Redis;
using static CredBroker.Redis.Tests.RedisStores;

namespace CredBroker.Redis.Tests;

/// <summary>
/// ListGrants on Redis walks the live-task index and each task's grants: every live grant comes
/// exactly once however the pages cut across tasks, big tasks and filtered-out neighbours.
/// </summary>
[TestFixture]
public sealed class RedisListingTests
{
    private IConnectionMultiplexer redis = null!;
    private RedisBrokerStore store = null!;

    [OneTimeSetUp]
    public async Task Connect() => redis = await ConnectAsync(await SharedRedis.GetEndpointAsync());

    [OneTimeTearDown]
    public async Task Disconnect() => await redis.DisposeAsync();

    [SetUp]
    public void CreateStore() => store = Create(redis, keyPrefix: $"listing-{Guid.NewGuid():N}:");

    [TearDown]
    public void DisposeStore() => store.Dispose();

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(50)]
    public async Task Every_live_grant_of_a_workload_is_listed_once_across_tasks(int pageSize)
    {
        var workload = "spiffe://example.org/agent/lister";
        var expected = new List<string>();
        for (var t = 0; t < 4; t++)
        {
            var taskId = NewTaskId();
            var grants = t == 3 ? 120 : 7;
            for (var i = 0; i < grants; i++)
            {
                expected.Add((await InsertAsync(store, Draft(taskId) with { WorkloadId = workload })).GrantId);
            }

            // Neighbours of another workload, which the filter leaves out.
            await InsertAsync(store, Draft(NewTaskId()));
        }

        var seen = await ListAllAsync(new GrantFilter(null, workload, null), pageSize);

        Assert.That(seen, Is.EquivalentTo(expected));
        Assert.That(seen, Is.Unique);
    }

    [TestCase(10)]
    [TestCase(50)]
    public async Task A_filter_that_leaves_out_most_of_a_big_task_still_finds_the_rest(int pageSize)
    {
        var expected = new List<string>();
        foreach (var taskId in new[] { NewTaskId(), NewTaskId() })
        {
            for (var i = 0; i < 150; i++)
            {
                var grant = await InsertAsync(store, Draft(taskId) with { Tools = i % 10 == 0 ? ["db.write"] : ["db.read"] });
                if (i % 10 == 0)
                {
                    expected.Add(grant.GrantId);
                }
            }
        }

        var seen = await ListAllAsync(new GrantFilter(null, null, "db.write"), pageSize);

        Assert.That(seen, Is.EquivalentTo(expected));
    }

    [Test]
    public async Task A_big_task_is_listed_a_page_at_a_time_in_expiry_order()
    {
        var taskId = NewTaskId();
        var expected = new List<GrantRecord>();
        for (var i = 0; i < 60; i++)
        {
            expected.Add(await InsertAsync(store, Draft(taskId, TimeSpan.FromMinutes(60 - i))));
        }

        var seen = await ListAllAsync(new GrantFilter(taskId, null, null), 25);

        Assert.That(seen, Is.EqualTo(expected.OrderBy(g => g.ExpiresAt).ThenBy(g => g.GrantId, StringComparer.Ordinal).Select(g => g.GrantId)));
    }

    [Test]
    public async Task Revoked_tasks_and_revoked_grants_are_left_out()
    {
        var revokedTask = NewTaskId();
        await InsertAsync(store, Draft(revokedTask));
        await store.RevokeTaskAsync(revokedTask, "done", default);
        var liveTask = NewTaskId();
        var kept = await InsertAsync(store, Draft(liveTask));
        var released = await InsertAsync(store, Draft(liveTask));
        await store.RevokeGrantAsync(released.GrantId, "released", default);

        var seen = await ListAllAsync(new GrantFilter(null, null, null), 10);

        Assert.That(seen, Is.EqualTo(new[] { kept.GrantId }));
    }

    private async Task<List<string>> ListAllAsync(GrantFilter filter, int pageSize)
    {
        var seen = new List<string>();
        PageCursor? cursor = null;
        for (var pages = 0; pages < 1000; pages++)
        {
            var page = await store.ListGrantsAsync(filter, pageSize, cursor, default);
            Assert.That(page.Grants, Has.Count.LessThanOrEqualTo(pageSize));
            seen.AddRange(page.Grants.Select(g => g.GrantId));
            if (page.NextPageToken is null)
            {
                return seen;
            }

            Assert.That(PageCursor.TryDecode(page.NextPageToken, out var next), Is.True, "a token the broker can read back");
            cursor = next;
        }

        Assert.Fail("listing did not end within 1000 pages");
        return seen;
    }
}
