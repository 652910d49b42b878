using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace CredBroker.Core.Tests.Storage;

/// <summary>What only the in-memory store does: its sweeper and how long it remembers a revoked task.</summary>
[TestFixture]
public sealed class InMemoryBrokerStoreTests
{
    private FakeTimeProvider time = null!;
    private InMemoryBrokerStore store = null!;

    [SetUp]
    public void CreateStore()
    {
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        store = new InMemoryBrokerStore(time, Options.Create(new StoreOptions { RevokedTaskRetention = TimeSpan.FromHours(1) }));
    }

    [TearDown]
    public void DisposeStore() => store.Dispose();

    [Test]
    public async Task Past_its_live_grant_bound_the_store_refuses_and_a_discarded_or_expired_grant_frees_room()
    {
        using var bounded = new InMemoryBrokerStore(time, Options.Create(new StoreOptions { MemoryMaxLiveGrants = 2 }));
        var first = (GrantInsertResult.Inserted)await bounded.InsertGrantAsync(Draft("t-b1", TimeSpan.FromMinutes(5)), requireOpenTask: false, default);
        await bounded.InsertGrantAsync(Draft("t-b2", TimeSpan.FromMinutes(1)), requireOpenTask: false, default);

        var full = await bounded.InsertGrantAsync(Draft("t-b3", TimeSpan.FromMinutes(5)), requireOpenTask: false, default);
        Assert.That(full, Is.TypeOf<GrantInsertResult.StoreFull>());
        Assert.That(((GrantInsertResult.StoreFull)full).Reason, Does.Contain("CredBroker:Storage:MemoryMaxLiveGrants"));

        await bounded.DiscardGrantAsync("t-b1", first.Grant.GrantId, first.Grant.WorkloadId, default);
        Assert.That(await bounded.GetGrantStatusAsync("t-b1", first.Grant.GrantId, default), Is.EqualTo(GrantStatus.Unknown), "a discarded grant leaves no record");
        Assert.That(await bounded.InsertGrantAsync(Draft("t-b3", TimeSpan.FromMinutes(5)), requireOpenTask: false, default), Is.TypeOf<GrantInsertResult.Inserted>());

        time.Advance(TimeSpan.FromMinutes(2));
        bounded.Sweep();
        Assert.That(await bounded.InsertGrantAsync(Draft("t-b4", TimeSpan.FromMinutes(5)), requireOpenTask: false, default), Is.TypeOf<GrantInsertResult.Inserted>(), "the swept grant freed its room");
    }

    [Test]
    public async Task A_grant_whose_write_bound_passed_is_not_recorded()
    {
        var late = Draft("t-late", TimeSpan.FromMinutes(5)) with { WriteBy = time.GetUtcNow() - TimeSpan.FromMilliseconds(1) };

        Assert.That(await store.InsertGrantAsync(late, requireOpenTask: false, default), Is.TypeOf<GrantInsertResult.TooLate>());
        Assert.That(await store.GetGrantStatusAsync("t-late", late.GrantId, default), Is.EqualTo(GrantStatus.Unknown));
    }

    [Test]
    public async Task Task_revocation_is_remembered_through_its_retention()
    {
        await store.RevokeTaskAsync("t-1", "done", default);

        time.Advance(TimeSpan.FromMinutes(59));
        store.Sweep();

        Assert.That(await store.InsertGrantAsync(Draft("t-1", TimeSpan.FromMinutes(5)), requireOpenTask: false, default), Is.TypeOf<GrantInsertResult.TaskRevoked>());
    }

    [Test]
    public async Task Task_revocation_outlives_its_retention_while_a_grant_of_the_task_lives()
    {
        var inserted = (GrantInsertResult.Inserted)await store.InsertGrantAsync(Draft("t-2", TimeSpan.FromHours(2)), requireOpenTask: false, default);
        var revocation = await store.RevokeTaskAsync("t-2", "done", default);

        time.Advance(TimeSpan.FromMinutes(90));
        store.Sweep();

        Assert.That(await store.GetGrantStatusAsync("t-2", inserted.Grant.GrantId, default), Is.EqualTo(new GrantStatus(GrantState.TaskRevoked, revocation.RevokedAt)));
        Assert.That(await store.InsertGrantAsync(Draft("t-2", TimeSpan.FromMinutes(5)), requireOpenTask: false, default), Is.TypeOf<GrantInsertResult.TaskRevoked>());
    }

    [Test]
    public async Task Sweeper_forgets_a_revoked_task_once_retention_and_grants_have_passed()
    {
        await store.InsertGrantAsync(Draft("t-3", TimeSpan.FromMinutes(10)), requireOpenTask: false, default);
        await store.RevokeTaskAsync("t-3", "done", default);

        // The sweeper runs on its own timer; advancing the fake clock fires it. The task's fence (who
        // first used it) is kept for the retention beyond its last grant (10 minutes here).
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(12));

        Assert.That(await store.InsertGrantAsync(Draft("t-3", TimeSpan.FromMinutes(5)), requireOpenTask: false, default), Is.TypeOf<GrantInsertResult.Inserted>());
    }

    [Test]
    public async Task Sweeper_drops_expired_grant_records()
    {
        var inserted = (GrantInsertResult.Inserted)await store.InsertGrantAsync(Draft("t-4", TimeSpan.FromMinutes(1)), requireOpenTask: false, default);

        time.Advance(TimeSpan.FromMinutes(3));
        store.Sweep();

        Assert.That(await store.FindGrantAsync(inserted.Grant.GrantId, default), Is.Null);
        Assert.That(await store.GetGrantStatusAsync("t-4", inserted.Grant.GrantId, default), Is.EqualTo(GrantStatus.Unknown));
    }

    private static GrantDraft Draft(string taskId, TimeSpan ttl) =>
        new(GrantIds.New(), taskId, "spiffe://example.org/agent", "alice@example.org", "triage", ["db.read"], "https://tools.example.org", ttl, NotAfter: null);
}
