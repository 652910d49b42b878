using CredBroker.Core.Approvals;
using CredBroker.Core.Grants;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

/// <summary>
/// What every <see cref="IBrokerStore"/> must do, whatever it is built on. Subclassed once per store
/// (in-memory, Redis); both must pass all of it. Each test uses its own task ids, so a store may be shared.
/// </summary>
public abstract partial class BrokerStoreContract
{
    private static readonly string[] DefaultTools = ["github.issues.read", "db.read"];

    protected IBrokerStore Store { get; private set; } = null!;

    /// <summary>The same store as an approval store (its interface of that purpose).</summary>
    protected IApprovalStore Approvals => (IApprovalStore)Store;

    /// <summary>The same store as a quota store (its interface of that purpose).</summary>
    protected IQuotaStore Quotas => (IQuotaStore)Store;

    /// <summary>A store to test; disposed after the test if it is disposable.</summary>
    protected abstract Task<IBrokerStore> CreateStoreAsync();

    /// <summary>The revocation log whose standing rules <see cref="Store"/> checks inside its insert (same process, same Redis and prefix).</summary>
    protected abstract IRevocationLog RevocationsOfStore();

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

    [Test]
    public async Task Inserted_grant_is_Active()
    {
        var taskId = NewTaskId();
        var grant = await InsertAsync(Draft(taskId));

        var status = await Store.GetGrantStatusAsync(taskId, grant.GrantId, default);

        Assert.That(status, Is.EqualTo(GrantStatus.Active));
    }

    [Test]
    public async Task Inserted_grant_is_found_by_id_with_every_field()
    {
        var draft = Draft(NewTaskId(), notAfter: null);
        var grant = await InsertAsync(draft);

        var found = await Store.FindGrantAsync(grant.GrantId, default);

        Assert.That(found, Is.Not.Null);
        AssertSameGrant(found!.Grant, grant);
        Assert.That(found.RevokedAt, Is.Null);
        Assert.That(found.TaskRevokedAt, Is.Null);
        Assert.That(grant.Tools, Is.EqualTo(DefaultTools));
        Assert.That((grant.GrantId, grant.TaskId, grant.WorkloadId, grant.Owner, grant.Purpose, grant.Audience), Is.EqualTo((draft.GrantId, draft.TaskId, draft.WorkloadId, draft.Owner, draft.Purpose, draft.Audience)));
    }

    [Test]
    public async Task Iat_is_whole_seconds_of_store_time_and_exp_adds_whole_ttl_seconds()
    {
        var before = await Store.GetTimeAsync(default);
        var grant = await InsertAsync(Draft(NewTaskId(), ttl: TimeSpan.FromSeconds(90.9)));
        var after = await Store.GetTimeAsync(default);

        Assert.That(grant.IssuedAt.Ticks % TimeSpan.TicksPerSecond, Is.Zero);
        Assert.That(grant.IssuedAt, Is.InRange(WholeSeconds(before), after));
        Assert.That(grant.ExpiresAt - grant.IssuedAt, Is.EqualTo(TimeSpan.FromSeconds(90)));
    }

    [Test]
    public async Task Ttl_under_one_second_lives_one_second()
    {
        var grant = await InsertAsync(Draft(NewTaskId(), ttl: TimeSpan.FromMilliseconds(200)));

        Assert.That(grant.ExpiresAt - grant.IssuedAt, Is.EqualTo(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public async Task Exp_is_cut_at_the_task_deadline_in_whole_seconds()
    {
        var draft = Draft(NewTaskId(), ttl: TimeSpan.FromHours(1));
        var opened = await OpenAsync(draft, TimeSpan.FromSeconds(10.7));

        var grant = await InsertAsync(draft);

        Assert.That(grant.ExpiresAt, Is.EqualTo(WholeSeconds(opened.Deadline!.Value)));
        Assert.That(await Store.GetGrantStatusAsync(grant.TaskId, grant.GrantId, default), Is.EqualTo(GrantStatus.Active));
    }

    [Test]
    public async Task A_deadline_beyond_the_ttl_changes_nothing()
    {
        var draft = Draft(NewTaskId(), ttl: TimeSpan.FromMinutes(5));
        await OpenAsync(draft, TimeSpan.FromHours(1));

        var grant = await InsertAsync(draft);

        Assert.That(grant.ExpiresAt - grant.IssuedAt, Is.EqualTo(TimeSpan.FromMinutes(5)));
    }

    [Test]
    public async Task Status_of_unknown_grant_is_Unknown()
    {
        var status = await Store.GetGrantStatusAsync(NewTaskId(), GrantIds.New(), default);

        Assert.That(status, Is.EqualTo(GrantStatus.Unknown));
    }

    [Test]
    public async Task Status_under_another_task_is_Unknown()
    {
        var grant = await InsertAsync(Draft(NewTaskId()));

        var status = await Store.GetGrantStatusAsync(NewTaskId(), grant.GrantId, default);

        Assert.That(status, Is.EqualTo(GrantStatus.Unknown));
    }

    [Test]
    public async Task FindGrant_of_unknown_grant_is_null()
    {
        Assert.That(await Store.FindGrantAsync(GrantIds.New(), default), Is.Null);
    }

    protected static string NewTaskId() => "task-" + Guid.NewGuid().ToString("N");

    protected static GrantDraft Draft(string taskId, TimeSpan? ttl = null, DateTimeOffset? notAfter = null, string workloadId = "spiffe://example.org/agent/triage") =>
        new(GrantIds.New(), taskId, workloadId, "alice@example.org", "triage incoming issues", DefaultTools, "https://tools.example.org", ttl ?? TimeSpan.FromMinutes(10), notAfter);

    /// <summary>Opens the draft's task for its workload with the draft's tools as the envelope.</summary>
    protected async Task<TaskRecord> OpenAsync(GrantDraft draft, TimeSpan maxDuration, IReadOnlyList<string>? envelope = null)
    {
        var result = await Store.OpenTaskAsync(new TaskRecord(draft.TaskId, draft.WorkloadId, draft.Owner, draft.Purpose, envelope ?? draft.Tools, true, default, null), maxDuration, default);
        Assert.That(result, Is.TypeOf<TaskOpenResult.Opened>());
        return ((TaskOpenResult.Opened)result).Task;
    }

    protected async Task<GrantRecord> InsertAsync(GrantDraft draft)
    {
        var result = await Store.InsertGrantAsync(draft, requireOpenTask: false, default);
        Assert.That(result, Is.TypeOf<GrantInsertResult.Inserted>(), "the insert was refused");
        return ((GrantInsertResult.Inserted)result).Grant;
    }

    protected static void AssertSameGrant(GrantRecord actual, GrantRecord expected)
    {
        Assert.That(actual.Tools, Is.EqualTo(expected.Tools));
        Assert.That(actual with { Tools = expected.Tools }, Is.EqualTo(expected));
    }

    protected static DateTimeOffset WholeSeconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());
}
