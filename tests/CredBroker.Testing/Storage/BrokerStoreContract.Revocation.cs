using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

public abstract partial class BrokerStoreContract
{
    [Test]
    public async Task RevokeTask_makes_every_grant_of_the_task_TaskRevoked()
    {
        var taskId = NewTaskId();
        var grants = new[] { await InsertAsync(Draft(taskId)), await InsertAsync(Draft(taskId)), await InsertAsync(Draft(taskId)) };

        var revocation = await Store.RevokeTaskAsync(taskId, "task finished", default);

        Assert.That(revocation, Is.EqualTo(new TaskRevocationResult(3, revocation.RevokedAt, AlreadyRevoked: false)));
        foreach (var grant in grants)
        {
            Assert.That(await Store.GetGrantStatusAsync(taskId, grant.GrantId, default), Is.EqualTo(new GrantStatus(GrantState.TaskRevoked, revocation.RevokedAt)));
        }
    }

    [Test]
    public async Task RevokeTask_time_comes_from_the_store_clock()
    {
        var taskId = NewTaskId();
        var before = await Store.GetTimeAsync(default);
        var revocation = await Store.RevokeTaskAsync(taskId, "task finished", default);
        var after = await Store.GetTimeAsync(default);

        Assert.That(revocation.RevokedAt, Is.InRange(before, after));
    }

    [Test]
    public async Task RevokeTask_does_not_count_individually_revoked_grants()
    {
        var taskId = NewTaskId();
        await InsertAsync(Draft(taskId));
        await InsertAsync(Draft(taskId));
        var released = await InsertAsync(Draft(taskId));
        await Store.RevokeGrantAsync(released.GrantId, "released", default);

        var revocation = await Store.RevokeTaskAsync(taskId, "task finished", default);

        Assert.That(revocation.RevokedGrants, Is.EqualTo(2));
    }

    [Test]
    public async Task RevokeTask_of_task_without_grants_counts_none()
    {
        var revocation = await Store.RevokeTaskAsync(NewTaskId(), "never started", default);

        Assert.That((revocation.RevokedGrants, revocation.AlreadyRevoked), Is.EqualTo((0L, false)));
    }

    [Test]
    public async Task Second_RevokeTask_reports_AlreadyRevoked_with_the_first_time()
    {
        var taskId = NewTaskId();
        await InsertAsync(Draft(taskId));
        var first = await Store.RevokeTaskAsync(taskId, "first", default);

        var second = await Store.RevokeTaskAsync(taskId, "second", default);

        Assert.That(second, Is.EqualTo(new TaskRevocationResult(0, first.RevokedAt, AlreadyRevoked: true)));
    }

    [Test]
    public async Task Insert_after_RevokeTask_is_refused_and_writes_nothing()
    {
        var taskId = NewTaskId();
        var revocation = await Store.RevokeTaskAsync(taskId, "task finished", default);
        var draft = Draft(taskId);

        var result = await Store.InsertGrantAsync(draft, requireOpenTask: false, default);

        Assert.That(result, Is.EqualTo(new GrantInsertResult.TaskRevoked(revocation.RevokedAt)));
        Assert.That(await Store.FindGrantAsync(draft.GrantId, default), Is.Null);
        Assert.That(await Store.RevokeGrantAsync(draft.GrantId, "cleanup", default), Is.Null);
        Assert.That(await Store.GetGrantStatusAsync(taskId, draft.GrantId, default), Is.EqualTo(new GrantStatus(GrantState.TaskRevoked, revocation.RevokedAt)));
    }

    [Test]
    public async Task RevokeTask_leaves_other_tasks_alone()
    {
        var revokedTask = NewTaskId();
        var otherTask = NewTaskId();
        await InsertAsync(Draft(revokedTask));
        var other = await InsertAsync(Draft(otherTask));

        await Store.RevokeTaskAsync(revokedTask, "task finished", default);

        Assert.That(await Store.GetGrantStatusAsync(otherTask, other.GrantId, default), Is.EqualTo(GrantStatus.Active));
        Assert.That(await Store.InsertGrantAsync(Draft(otherTask), requireOpenTask: false, default), Is.TypeOf<GrantInsertResult.Inserted>());
        Assert.That((await Store.FindGrantAsync(other.GrantId, default))!.TaskRevokedAt, Is.Null);
    }

    [Test]
    public async Task RevokeGrant_of_unknown_grant_returns_null()
    {
        Assert.That(await Store.RevokeGrantAsync(GrantIds.New(), "operator", default), Is.Null);
    }

    [Test]
    public async Task RevokeGrant_makes_that_grant_GrantRevoked_and_leaves_its_siblings_Active()
    {
        var taskId = NewTaskId();
        var revoked = await InsertAsync(Draft(taskId));
        var sibling = await InsertAsync(Draft(taskId));

        var result = await Store.RevokeGrantAsync(revoked.GrantId, "operator", default);

        Assert.That(result, Is.Not.Null);
        Assert.That(result!.AlreadyRevoked, Is.False);
        AssertSameGrant(result.Grant, revoked);
        Assert.That(await Store.GetGrantStatusAsync(taskId, revoked.GrantId, default), Is.EqualTo(new GrantStatus(GrantState.GrantRevoked, result.RevokedAt)));
        Assert.That(await Store.GetGrantStatusAsync(taskId, sibling.GrantId, default), Is.EqualTo(GrantStatus.Active));
    }

    [Test]
    public async Task RevokeGrant_twice_reports_AlreadyRevoked_with_the_first_time()
    {
        var grant = await InsertAsync(Draft(NewTaskId()));
        var first = await Store.RevokeGrantAsync(grant.GrantId, "first", default);

        var second = await Store.RevokeGrantAsync(grant.GrantId, "second", default);

        Assert.That(second, Is.Not.Null);
        Assert.That((second!.RevokedAt, second.AlreadyRevoked), Is.EqualTo((first!.RevokedAt, true)));
        AssertSameGrant(second.Grant, grant);
    }

    [Test]
    public async Task FindGrant_reflects_grant_and_task_revocations()
    {
        var taskId = NewTaskId();
        var grant = await InsertAsync(Draft(taskId));

        var grantRevocation = await Store.RevokeGrantAsync(grant.GrantId, "operator", default);
        var afterGrantRevocation = await Store.FindGrantAsync(grant.GrantId, default);
        var taskRevocation = await Store.RevokeTaskAsync(taskId, "task finished", default);
        var afterTaskRevocation = await Store.FindGrantAsync(grant.GrantId, default);

        Assert.That((afterGrantRevocation!.RevokedAt, afterGrantRevocation.TaskRevokedAt), Is.EqualTo((grantRevocation!.RevokedAt, (DateTimeOffset?)null)));
        Assert.That((afterTaskRevocation!.RevokedAt, afterTaskRevocation.TaskRevokedAt), Is.EqualTo((grantRevocation.RevokedAt, taskRevocation.RevokedAt)));
        AssertSameGrant(afterTaskRevocation.Grant, grant);
    }
}
