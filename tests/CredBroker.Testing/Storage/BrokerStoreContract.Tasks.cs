using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

/// <summary>Task fences: first use claims a task, an opened task holds grants inside its envelope and deadline.</summary>
public abstract partial class BrokerStoreContract
{
    private const string Other = "spiffe://example.org/agent/other";

    [Test]
    public async Task A_task_first_used_belongs_to_that_workload()
    {
        var taskId = NewTaskId();
        await InsertAsync(Draft(taskId));

        var result = await Store.InsertGrantAsync(Draft(taskId, workloadId: Other), requireOpenTask: false, default);

        Assert.That(result, Is.EqualTo(new GrantInsertResult.TaskOwnedByOther("spiffe://example.org/agent/triage")));
        var view = await Store.GetTaskAsync(taskId, default);
        Assert.That(view.Record?.Opened, Is.False);
        Assert.That(view.LiveGrants, Is.EqualTo(1), "the refused grant wrote nothing");
    }

    [Test]
    public async Task An_opened_task_refuses_other_workloads_and_tools_outside_its_envelope()
    {
        var draft = Draft(NewTaskId());
        await OpenAsync(draft, TimeSpan.FromMinutes(30), [DefaultTools[0]]);

        var otherWorkload = await Store.InsertGrantAsync(Draft(draft.TaskId, workloadId: Other) with { Tools = [DefaultTools[0]] }, requireOpenTask: false, default);
        var outside = await Store.InsertGrantAsync(draft, requireOpenTask: false, default);
        var inside = await Store.InsertGrantAsync(draft with { Tools = [DefaultTools[0]] }, requireOpenTask: true, default);

        Assert.That(otherWorkload, Is.TypeOf<GrantInsertResult.TaskOwnedByOther>());
        Assert.That(outside, Is.EqualTo(new GrantInsertResult.OutsideEnvelope(DefaultTools[1])));
        Assert.That(inside, Is.TypeOf<GrantInsertResult.Inserted>(), "an opened task satisfies requireOpenTask");
    }

    [Test]
    public async Task Require_open_task_refuses_an_unopened_task_and_claims_nothing()
    {
        var taskId = NewTaskId();

        var result = await Store.InsertGrantAsync(Draft(taskId), requireOpenTask: true, default);

        Assert.That(result, Is.TypeOf<GrantInsertResult.TaskNotOpened>());
        Assert.That((await Store.GetTaskAsync(taskId, default)).Record, Is.Null);
        Assert.That(await Store.OpenTaskAsync(new TaskRecord(taskId, Other, "o", "p", DefaultTools, true, default, null), TimeSpan.FromMinutes(1), default),
            Is.TypeOf<TaskOpenResult.Opened>(), "the task id is still free to open");
    }

    [Test]
    public async Task A_task_is_opened_once_and_never_after_its_first_grant_or_revocation()
    {
        var opened = Draft(NewTaskId());
        var used = Draft(NewTaskId());
        var revoked = Draft(NewTaskId());
        await OpenAsync(opened, TimeSpan.FromMinutes(5));
        await InsertAsync(used);
        var revocation = await Store.RevokeTaskAsync(revoked.TaskId, "done", default);

        TaskRecord Fence(GrantDraft d) => new(d.TaskId, d.WorkloadId, d.Owner, d.Purpose, d.Tools, true, default, null);
        var again = await Store.OpenTaskAsync(Fence(opened), TimeSpan.FromMinutes(5), default);
        var afterUse = await Store.OpenTaskAsync(Fence(used), TimeSpan.FromMinutes(5), default);
        var afterRevoke = await Store.OpenTaskAsync(Fence(revoked), TimeSpan.FromMinutes(5), default);

        Assert.That(again, Is.TypeOf<TaskOpenResult.AlreadyExists>());
        Assert.That(((TaskOpenResult.AlreadyExists)again).Existing.Opened, Is.True);
        Assert.That(((TaskOpenResult.AlreadyExists)afterUse).Existing.Opened, Is.False);
        Assert.That(afterRevoke, Is.EqualTo(new TaskOpenResult.TaskRevoked(revocation.RevokedAt)));
    }

    [Test]
    public async Task A_grant_after_the_task_deadline_is_refused()
    {
        var draft = Draft(NewTaskId());
        var opened = await OpenAsync(draft, TimeSpan.FromSeconds(1));

        await PassAsync(opened.Deadline!.Value + TimeSpan.FromSeconds(1));
        var result = await Store.InsertGrantAsync(draft, requireOpenTask: false, default);

        Assert.That(result, Is.EqualTo(new GrantInsertResult.TaskExpired(opened.Deadline.Value)));
    }

    [Test]
    public async Task GetTask_reports_the_fence_the_live_grants_and_the_revocation()
    {
        var draft = Draft(NewTaskId());
        var opened = await OpenAsync(draft, TimeSpan.FromMinutes(20));
        await InsertAsync(draft);
        await InsertAsync(draft with { GrantId = GrantIds.New() });

        var before = await Store.GetTaskAsync(draft.TaskId, default);
        var revocation = await Store.RevokeTaskAsync(draft.TaskId, "done", default);
        var after = await Store.GetTaskAsync(draft.TaskId, default);

        Assert.That(before.Record, Is.EqualTo(opened).Using<TaskRecord>((a, b) => a.Deadline == b.Deadline && a.Tools.SequenceEqual(b.Tools) && a.WorkloadId == b.WorkloadId && a.Opened == b.Opened));
        Assert.That(before.LiveGrants, Is.EqualTo(2));
        Assert.That(after.RevokedAt, Is.EqualTo(revocation.RevokedAt));
        Assert.That(after.LiveGrants, Is.Zero);
    }
}
