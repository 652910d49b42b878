using CredBroker.Core.Grants;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

/// <summary>ListGrants: live grants only, filtered, paged without loss or repetition.</summary>
public abstract partial class BrokerStoreContract
{
    [Test]
    public async Task ListGrants_pages_through_every_live_grant_of_a_workload_once()
    {
        var workload = "spiffe://example.org/agent/" + Guid.NewGuid().ToString("N");
        var issued = new List<GrantRecord>();
        for (var i = 0; i < 5; i++)
        {
            issued.Add(await InsertAsync(Draft(NewTaskId(), ttl: TimeSpan.FromMinutes(5 + i), workloadId: workload)));
        }

        var seen = new List<string>();
        PageCursor? cursor = null;
        for (var pages = 0; pages < 10; pages++)
        {
            var page = await Store.ListGrantsAsync(new GrantFilter(null, workload, null), 2, cursor, default);
            Assert.That(page.Grants, Has.Count.LessThanOrEqualTo(2));
            seen.AddRange(page.Grants.Select(g => g.GrantId));
            if (page.NextPageToken is null)
            {
                break;
            }

            Assert.That(PageCursor.TryDecode(page.NextPageToken, out var next), Is.True);
            cursor = next;
        }

        Assert.That(seen, Is.EqualTo(issued.OrderBy(g => g.ExpiresAt).ThenBy(g => g.GrantId, StringComparer.Ordinal).Select(g => g.GrantId)), "each once, by expiry");
    }

    [Test]
    public async Task ListGrants_filters_by_task_and_tool_and_leaves_out_revoked_grants()
    {
        var workload = "spiffe://example.org/agent/" + Guid.NewGuid().ToString("N");
        var taskId = NewTaskId();
        var kept = await InsertAsync(Draft(taskId, workloadId: workload));
        var revoked = await InsertAsync(Draft(taskId, workloadId: workload));
        await Store.RevokeGrantAsync(revoked.GrantId, "test", default);
        var otherTask = NewTaskId();
        await InsertAsync(Draft(otherTask, workloadId: workload));
        await Store.RevokeTaskAsync(otherTask, "test", default);

        var byTask = await Store.ListGrantsAsync(new GrantFilter(taskId, null, null), 10, null, default);
        var byWorkload = await Store.ListGrantsAsync(new GrantFilter(null, workload, null), 10, null, default);
        var byTool = await Store.ListGrantsAsync(new GrantFilter(taskId, null, "db.read"), 10, null, default);
        var noSuchTool = await Store.ListGrantsAsync(new GrantFilter(taskId, null, "db.write"), 10, null, default);

        Assert.That(byTask.Grants.Select(g => g.GrantId), Is.EqualTo(new[] { kept.GrantId }));
        AssertSameGrant(byTask.Grants[0], kept);
        Assert.That(byWorkload.Grants.Select(g => g.GrantId), Is.EqualTo(new[] { kept.GrantId }), "revoked grant and grant of a revoked task are not live");
        Assert.That(byTool.Grants.Select(g => g.GrantId), Is.EqualTo(new[] { kept.GrantId }));
        Assert.That(noSuchTool.Grants, Is.Empty);
        Assert.That(noSuchTool.NextPageToken, Is.Null);
    }

    [Test]
    public async Task ListGrants_leaves_out_expired_grants()
    {
        var taskId = NewTaskId();
        var shortLived = await InsertAsync(Draft(taskId, ttl: TimeSpan.FromSeconds(1)));
        var longLived = await InsertAsync(Draft(taskId));

        await PassAsync(shortLived.ExpiresAt);
        var page = await Store.ListGrantsAsync(new GrantFilter(taskId, null, null), 10, null, default);

        Assert.That(page.Grants.Select(g => g.GrantId), Is.EqualTo(new[] { longLived.GrantId }));
    }
}
