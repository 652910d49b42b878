using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

/// <summary>
/// The grant insert is the one store step of a grant: standing rules, the workload's caps, the task's
/// checks and the write together. Whatever refuses it, nothing is written: no record, no claimed task,
/// no count against the caps.
/// </summary>
public abstract partial class BrokerStoreContract
{
    [Test]
    public async Task A_quarantine_refuses_the_insert_and_nothing_is_written()
    {
        var draft = Draft(NewTaskId()) with { Quota = new GrantQuota(1, null) };
        await RevocationsOfStore().AppendAsync(new RevocationDraft(RevocationKind.Workload, draft.WorkloadId, "quarantined", TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)), default);

        var result = await Store.InsertGrantAsync(draft, requireOpenTask: false, default);

        var stand = (GrantInsertResult.RulesStand)result;
        Assert.That(stand.Rules.Select(r => (r.Kind, r.Subject)), Is.EqualTo(new[] { (RevocationKind.Workload, draft.WorkloadId) }));
        Assert.That(stand.Rules[0].StandsAt(stand.Now), Is.True);
        await AssertNothingWrittenAsync(draft);
    }

    [Test]
    public async Task A_tool_revocation_and_the_kill_switch_refuse_the_insert_tools_first()
    {
        var draft = Draft(NewTaskId());
        var log = RevocationsOfStore();
        await log.AppendAsync(new RevocationDraft(RevocationKind.All, string.Empty, "kill switch", LiftAfter: null, ExpireAfter: null), default);
        await log.AppendAsync(new RevocationDraft(RevocationKind.Tool, draft.Tools[1], "compromised", LiftAfter: null, ExpireAfter: null), default);

        var result = await Store.InsertGrantAsync(draft, requireOpenTask: false, default);

        var stand = (GrantInsertResult.RulesStand)result;
        Assert.That(stand.Rules.Select(r => r.Kind), Is.EqualTo(new[] { RevocationKind.Tool, RevocationKind.All }));
        await AssertNothingWrittenAsync(draft);
    }

    [Test]
    public async Task A_lifted_rule_refuses_nothing()
    {
        var draft = Draft(NewTaskId());
        var log = RevocationsOfStore();
        await log.AppendAsync(new RevocationDraft(RevocationKind.Workload, draft.WorkloadId, "quarantined", LiftAfter: null, TimeSpan.FromHours(1)), default);
        var lifted = await log.LiftAsync(RevocationKind.Workload, draft.WorkloadId, TimeSpan.FromHours(1), default);
        await PassAsync(lifted!.Rule.LiftedAt!.Value);

        var grant = await InsertAsync(draft);

        Assert.That(await Store.GetGrantStatusAsync(draft.TaskId, grant.GrantId, default), Is.EqualTo(GrantStatus.Active));
    }

    [Test]
    public async Task A_cap_refuses_the_insert_and_nothing_is_written()
    {
        var workload = "spiffe://example.org/agent/" + Guid.NewGuid().ToString("N");
        var quota = new GrantQuota(1, new RateLimit(5, TimeSpan.FromMinutes(1)));
        await InsertAsync(Draft(NewTaskId(), workloadId: workload) with { Quota = quota });
        var draft = Draft(NewTaskId(), workloadId: workload) with { Quota = quota };

        var result = await Store.InsertGrantAsync(draft, requireOpenTask: false, default);

        Assert.That(((GrantInsertResult.QuotaExceeded)result).Quota, Is.TypeOf<QuotaResult.TooManyLive>());
        await AssertNothingWrittenAsync(draft);
    }

    [Test]
    public async Task A_task_refusal_counts_nothing_against_the_caps()
    {
        var workload = "spiffe://example.org/agent/" + Guid.NewGuid().ToString("N");
        var quota = new GrantQuota(1, new RateLimit(1, TimeSpan.FromMinutes(1)));
        var revoked = Draft(NewTaskId(), workloadId: workload) with { Quota = quota };
        await Store.RevokeTaskAsync(revoked.TaskId, "done", default);
        var notOpened = Draft(NewTaskId(), workloadId: workload) with { Quota = quota };

        Assert.That(await Store.InsertGrantAsync(revoked, requireOpenTask: false, default), Is.TypeOf<GrantInsertResult.TaskRevoked>());
        Assert.That(await Store.InsertGrantAsync(notOpened, requireOpenTask: true, default), Is.TypeOf<GrantInsertResult.TaskNotOpened>());
        var fits = await Store.InsertGrantAsync(Draft(NewTaskId(), workloadId: workload) with { Quota = quota }, requireOpenTask: false, default);

        Assert.That(fits, Is.TypeOf<GrantInsertResult.Inserted>(), "neither refused insert took the one live place or the one rate slot");
    }

    [Test]
    public async Task A_refusal_by_the_task_leaves_an_unused_task_unclaimed()
    {
        var draft = Draft(NewTaskId()) with { WriteBy = DateTimeOffset.UnixEpoch };

        Assert.That(await Store.InsertGrantAsync(draft, requireOpenTask: false, default), Is.TypeOf<GrantInsertResult.TooLate>());

        await AssertNothingWrittenAsync(draft);
    }

    /// <summary>No record, no status, no claimed task.</summary>
    private async Task AssertNothingWrittenAsync(GrantDraft draft)
    {
        Assert.That(await Store.FindGrantAsync(draft.GrantId, default), Is.Null, "no grant record");
        Assert.That(await Store.GetGrantStatusAsync(draft.TaskId, draft.GrantId, default), Is.EqualTo(GrantStatus.Unknown));
        var task = await Store.GetTaskAsync(draft.TaskId, default);
        Assert.That((task.Record, task.LiveGrants), Is.EqualTo(((Core.Tasks.TaskRecord?)null, 0L)), "the task was not claimed");
    }
}
