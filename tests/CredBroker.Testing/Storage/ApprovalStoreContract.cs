using CredBroker.Core.Approvals;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

/// <summary>
/// What every <see cref="IApprovalStore"/> must do (its XML doc): approvals are decided once, collected once, only by
/// their requester, and they expire by the store's clock. Subclassed once per store (in-memory, Redis).
/// </summary>
public abstract class ApprovalStoreContract
{
    private const string Requester = "spiffe://example.org/agent/triage";

    protected IApprovalStore Store { get; private set; } = null!;

    /// <summary>A store to test; disposed after the test if it is disposable.</summary>
    protected abstract Task<IApprovalStore> CreateStoreAsync();

    /// <summary>The store's clock, the one approvals expire by.</summary>
    protected abstract Task<DateTimeOffset> NowAsync();

    /// <summary>Returns once the store's clock is past <paramref name="instant"/> (fake time, or real waiting).</summary>
    protected abstract Task PassAsync(DateTimeOffset instant);

    [SetUp]
    public async Task CreateStore() => Store = await CreateStoreAsync();

    [TearDown]
    public async Task DisposeStore()
    {
        switch (Store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    private static string NewTaskId() => "task-" + Guid.NewGuid().ToString("N");

    private static ApprovalDraft ApprovalDraftFor(string taskId, string workloadId = Requester) =>
        new(workloadId, "team-data", taskId, "nightly export", ["db.read", "db.drop"], new Dictionary<string, string> { ["environment"] = "prod" }, TimeSpan.FromMinutes(4), "db.drop", "tool 'db.drop' (risk critical) requires approval");

    [Test]
    public async Task A_held_request_reads_back_pending_with_every_field()
    {
        var draft = ApprovalDraftFor(NewTaskId());
        var before = await NowAsync();

        var created = await Store.CreateApprovalAsync(draft, TimeSpan.FromMinutes(15), default);
        var read = await Store.GetApprovalAsync(draft.ApprovalId, default);

        Assert.That(read, Is.Not.Null);
        Assert.That(read!.State, Is.EqualTo(ApprovalState.Pending));
        Assert.That((read.WorkloadId, read.Owner, read.TaskId, read.Purpose, read.Ttl, read.Rule, read.Reason), Is.EqualTo((draft.WorkloadId, draft.Owner, draft.TaskId, draft.Purpose, draft.Ttl, draft.Rule, draft.Reason)));
        Assert.That(read.Tools, Is.EqualTo(draft.Tools));
        Assert.That(read.Context, Is.EquivalentTo(draft.Context));
        Assert.That(read.RequestedAt, Is.EqualTo(created.RequestedAt).And.InRange(before.AddMilliseconds(-1), before.AddSeconds(5)));
        Assert.That(read.ExpiresAt - read.RequestedAt, Is.EqualTo(TimeSpan.FromMinutes(15)));
        Assert.That(await Store.GetApprovalAsync(ApprovalDraft.NewId(), default), Is.Null);
    }

    [Test]
    public async Task An_approval_is_decided_once_and_collected_once()
    {
        var draft = ApprovalDraftFor(NewTaskId());
        await Store.CreateApprovalAsync(draft, TimeSpan.FromMinutes(15), default);

        var early = await Store.CollectApprovalAsync(draft.ApprovalId, Requester, draft.TaskId, default);
        var approved = await Store.DecideApprovalAsync(draft.ApprovalId, approve: true, "spiffe://example.org/approver", "ok for tonight", default);
        var redecided = await Store.DecideApprovalAsync(draft.ApprovalId, approve: false, "spiffe://example.org/other", null, default);
        var collected = await Store.CollectApprovalAsync(draft.ApprovalId, Requester, draft.TaskId, default);
        var again = await Store.CollectApprovalAsync(draft.ApprovalId, Requester, draft.TaskId, default);

        Assert.That(early.Outcome, Is.EqualTo(ApprovalChangeOutcome.WrongState), "pending cannot be collected");
        Assert.That(approved.Outcome, Is.EqualTo(ApprovalChangeOutcome.Changed));
        Assert.That((approved.Record!.State, approved.Record.DecidedBy, approved.Record.DecisionReason), Is.EqualTo((ApprovalState.Approved, "spiffe://example.org/approver", "ok for tonight")));
        Assert.That(approved.Record.DecidedAt, Is.Not.Null);
        Assert.That(redecided.Outcome, Is.EqualTo(ApprovalChangeOutcome.WrongState));
        Assert.That(collected.Outcome, Is.EqualTo(ApprovalChangeOutcome.Changed));
        Assert.That(again.Outcome, Is.EqualTo(ApprovalChangeOutcome.WrongState));
        Assert.That(again.Record!.State, Is.EqualTo(ApprovalState.Collected));
    }

    [Test]
    public async Task Racing_collections_yield_one_winner()
    {
        var draft = ApprovalDraftFor(NewTaskId());
        await Store.CreateApprovalAsync(draft, TimeSpan.FromMinutes(15), default);
        await Store.DecideApprovalAsync(draft.ApprovalId, approve: true, "spiffe://example.org/approver", null, default);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Store.CollectApprovalAsync(draft.ApprovalId, Requester, draft.TaskId, default).AsTask()));

        Assert.That(outcomes.Count(o => o.Outcome == ApprovalChangeOutcome.Changed), Is.EqualTo(1));
    }

    [Test]
    public async Task Only_the_requesting_workload_and_task_collect()
    {
        var draft = ApprovalDraftFor(NewTaskId());
        await Store.CreateApprovalAsync(draft, TimeSpan.FromMinutes(15), default);
        await Store.DecideApprovalAsync(draft.ApprovalId, approve: true, "spiffe://example.org/approver", null, default);

        var otherWorkload = await Store.CollectApprovalAsync(draft.ApprovalId, "spiffe://example.org/agent/other", draft.TaskId, default);
        var otherTask = await Store.CollectApprovalAsync(draft.ApprovalId, Requester, NewTaskId(), default);
        var requester = await Store.CollectApprovalAsync(draft.ApprovalId, Requester, draft.TaskId, default);

        Assert.That(otherWorkload.Outcome, Is.EqualTo(ApprovalChangeOutcome.WrongRequester));
        Assert.That(otherTask.Outcome, Is.EqualTo(ApprovalChangeOutcome.WrongRequester));
        Assert.That(requester.Outcome, Is.EqualTo(ApprovalChangeOutcome.Changed), "the wrong requesters changed nothing");
    }

    [Test]
    public async Task A_denied_approval_is_not_collected()
    {
        var draft = ApprovalDraftFor(NewTaskId());
        await Store.CreateApprovalAsync(draft, TimeSpan.FromMinutes(15), default);

        var denied = await Store.DecideApprovalAsync(draft.ApprovalId, approve: false, "spiffe://example.org/approver", "not at night", default);
        var collected = await Store.CollectApprovalAsync(draft.ApprovalId, Requester, draft.TaskId, default);

        Assert.That(denied.Record!.State, Is.EqualTo(ApprovalState.Denied));
        Assert.That(collected.Outcome, Is.EqualTo(ApprovalChangeOutcome.WrongState));
        Assert.That(collected.Record!.DecisionReason, Is.EqualTo("not at night"));
    }

    [Test]
    public async Task Approvals_expire_by_the_store_clock_decided_or_not()
    {
        var pending = ApprovalDraftFor(NewTaskId());
        var approved = ApprovalDraftFor(NewTaskId());
        var created = await Store.CreateApprovalAsync(pending, TimeSpan.FromSeconds(1), default);
        await Store.CreateApprovalAsync(approved, TimeSpan.FromSeconds(1), default);
        await Store.DecideApprovalAsync(approved.ApprovalId, approve: true, "spiffe://example.org/approver", null, default);

        await PassAsync(created.ExpiresAt.AddMilliseconds(50));

        Assert.That((await Store.GetApprovalAsync(pending.ApprovalId, default))!.State, Is.EqualTo(ApprovalState.Expired));
        Assert.That((await Store.DecideApprovalAsync(pending.ApprovalId, approve: true, "spiffe://example.org/approver", null, default)).Outcome, Is.EqualTo(ApprovalChangeOutcome.WrongState));
        Assert.That((await Store.CollectApprovalAsync(approved.ApprovalId, Requester, approved.TaskId, default)).Outcome, Is.EqualTo(ApprovalChangeOutcome.WrongState));
        var listed = await Store.ListPendingApprovalsAsync(500, null, default);
        Assert.That(listed.Approvals.Select(a => a.ApprovalId), Does.Not.Contain(pending.ApprovalId));
    }

    [Test]
    public async Task Pending_approvals_are_listed_a_page_at_a_time_and_decided_ones_drop_out()
    {
        var drafts = Enumerable.Range(0, 4).Select(_ => ApprovalDraftFor(NewTaskId())).ToList();
        foreach (var draft in drafts)
        {
            await Store.CreateApprovalAsync(draft, TimeSpan.FromDays(2), default);
        }

        await Store.DecideApprovalAsync(drafts[0].ApprovalId, approve: false, "spiffe://example.org/approver", null, default);

        var seen = new List<string>();
        Core.Grants.PageCursor? cursor = null;
        for (var pages = 0; pages < 50; pages++)
        {
            var page = await Store.ListPendingApprovalsAsync(2, cursor, default);
            seen.AddRange(page.Approvals.Select(a => a.ApprovalId));
            if (page.NextPageToken is null)
            {
                break;
            }

            Assert.That(Core.Grants.PageCursor.TryDecode(page.NextPageToken, out var next), Is.True);
            cursor = next;
        }

        var mine = seen.Where(id => drafts.Any(d => d.ApprovalId == id)).ToList();
        Assert.That(mine, Is.EquivalentTo(drafts.Skip(1).Select(d => d.ApprovalId)));
        Assert.That(seen, Is.Unique);
    }
}
