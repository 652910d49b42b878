using CredBroker.Core.Revocation;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

/// <summary>
/// What every <see cref="IRevocationLog"/> must do (its XML doc): an ordered log read by cursor, one standing rule per
/// subject, lifts, and a new generation when the dataset is new. Subclassed once per store (in-memory, Redis); each
/// test gets a log of its own.
/// </summary>
public abstract class RevocationLogContract
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    protected IRevocationLog Log { get; private set; } = null!;

    /// <summary>An empty log.</summary>
    protected abstract Task<IRevocationLog> CreateLogAsync();

    [SetUp]
    public async Task CreateLog() => Log = await CreateLogAsync();

    [Test]
    public async Task Appended_rules_are_read_oldest_first_and_a_cursor_resumes_after_its_entry()
    {
        var workload = await Log.AppendAsync(Draft(RevocationKind.Workload, NewSubject()), default);
        var tool = await Log.AppendAsync(Draft(RevocationKind.Tool, NewSubject()), default);
        var grant = await Log.AppendAsync(Draft(RevocationKind.Grant, NewSubject()), default);

        var all = await Log.ReadAfterAsync(null, 100, default);
        var rest = await Log.ReadAfterAsync(workload.Cursor, 100, default);
        var two = await Log.ReadAfterAsync("0", 2, default);

        Assert.Multiple(() =>
        {
            Assert.That(all.Entries.Select(e => e.Cursor), Is.EqualTo(new[] { workload.Cursor, tool.Cursor, grant.Cursor }));
            Assert.That(all.Entries.Select(e => (e.Rule.Kind, e.Rule.Subject)), Is.EqualTo(new[] { workload, tool, grant }.Select(e => (e.Rule.Kind, e.Rule.Subject))));
            Assert.That(all.LastCursor, Is.EqualTo(grant.Cursor));
            Assert.That(rest.Entries.Select(e => e.Cursor), Is.EqualTo(new[] { tool.Cursor, grant.Cursor }));
            Assert.That(two.Entries.Select(e => e.Cursor), Is.EqualTo(new[] { workload.Cursor, tool.Cursor }), "at most max");
            Assert.That(two.LastCursor, Is.EqualTo(tool.Cursor));
        });
    }

    [Test]
    public async Task Reading_after_the_last_entry_gives_nothing_and_keeps_the_cursor()
    {
        var last = await Log.AppendAsync(Draft(RevocationKind.Grant, NewSubject()), default);

        var page = await Log.ReadAfterAsync(last.Cursor, 100, default);

        Assert.That(page.Entries, Is.Empty);
        Assert.That(page.LastCursor, Is.EqualTo(last.Cursor));
    }

    [Test]
    public async Task Standing_rules_are_those_of_the_workload_its_tools_and_the_kill_switch()
    {
        var workload = NewSubject();
        var tool = NewSubject();
        await Log.AppendAsync(Draft(RevocationKind.Workload, workload), default);
        await Log.AppendAsync(Draft(RevocationKind.Tool, tool), default);
        await Log.AppendAsync(Draft(RevocationKind.Workload, NewSubject()), default);
        await Log.AppendAsync(Draft(RevocationKind.Tool, NewSubject()), default);
        await Log.AppendAsync(Draft(RevocationKind.Grant, NewSubject()), default);

        var standing = await Log.GetStandingAsync(workload, [tool, NewSubject()], default);

        Assert.That(standing.Rules.Select(r => (r.Kind, r.Subject)), Is.EquivalentTo(new[] { (RevocationKind.Workload, workload), (RevocationKind.Tool, tool) }));
    }

    [Test]
    public async Task A_second_rule_on_a_subject_is_united_with_the_standing_one()
    {
        var workload = NewSubject();
        await Log.AppendAsync(Draft(RevocationKind.Workload, workload, "first"), default);
        await Log.AppendAsync(Draft(RevocationKind.Workload, workload, "second"), default);

        var standing = await Log.GetStandingAsync(workload, [], default);

        Assert.That(standing.Rules.Where(r => r.Subject == workload).ToList(), Has.Count.EqualTo(1), "one standing rule per subject");
        Assert.That(standing.Rules.Single(r => r.Subject == workload).LiftedAt, Is.Null, "it stands until lifted");
    }

    [Test]
    public async Task Rule_times_come_from_the_store_clock()
    {
        var before = await Log.GetStandingAsync(NewSubject(), [], default);
        var entry = await Log.AppendAsync(Draft(RevocationKind.Tool, NewSubject()), default);
        var after = await Log.GetStandingAsync(NewSubject(), [], default);

        // Rule times are whole seconds (they bound whole-second iat), so allow the rounding either way.
        Assert.That(entry.Rule.RevokedAt, Is.InRange(before.Now.AddSeconds(-1), after.Now.AddSeconds(1)));
    }

    [Test]
    public async Task Lifting_a_standing_rule_logs_it_lifted_and_lifting_nothing_is_null()
    {
        var tool = NewSubject();
        Assert.That(await Log.LiftAsync(RevocationKind.Tool, tool, Day, default), Is.Null, "nothing stands yet");
        await Log.AppendAsync(Draft(RevocationKind.Tool, tool), default);

        var lifted = await Log.LiftAsync(RevocationKind.Tool, tool, Day, default);
        var logged = await Log.ReadAfterAsync(null, 100, default);
        var standing = await Log.GetStandingAsync(NewSubject(), [tool], default);

        Assert.That(lifted, Is.Not.Null);
        Assert.That(lifted!.Rule.LiftedAt, Is.Not.Null);
        Assert.That(logged.Entries[^1].Cursor, Is.EqualTo(lifted.Cursor), "the lift is appended, so verifiers follow it");
        Assert.That(standing.Rules.Where(r => r.Subject == tool).Select(r => r.LiftedAt), Has.None.Null, "no longer standing unlifted");
    }

    [Test]
    public async Task A_new_dataset_starts_a_generation_once_with_a_rule_revoking_every_earlier_token()
    {
        var first = await Log.EnsureGenerationAsync(Day, default);
        var second = await Log.EnsureGenerationAsync(Day, default);
        var logged = await Log.ReadAfterAsync(null, 100, default);

        Assert.That((first, second), Is.EqualTo((true, false)));
        Assert.That(logged.Entries.Select(e => e.Rule.Kind), Is.EqualTo(new[] { RevocationKind.All }));
    }

    [Test]
    public async Task Restoring_an_entry_the_log_still_holds_writes_nothing()
    {
        var entry = await Log.AppendAsync(Draft(RevocationKind.Grant, NewSubject()), default);

        var restored = await Log.RestoreAsync(entry, default);
        var logged = await Log.ReadAfterAsync(null, 100, default);

        Assert.That(restored, Is.False);
        Assert.That(logged.Entries.Select(e => e.Cursor), Is.EqualTo(new[] { entry.Cursor }));
    }

    [Test]
    public async Task An_append_signals_the_readers()
    {
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Log.OnAppended(() => signalled.TrySetResult());

        // The hint may travel (Redis pub/sub): append until it arrives, within a generous bound that is no timing assertion.
        for (var i = 0; i < 300 && !signalled.Task.IsCompleted; i++)
        {
            await Log.AppendAsync(Draft(RevocationKind.Grant, NewSubject()), default);
            await Task.WhenAny(signalled.Task, Task.Delay(100));
        }

        Assert.That(signalled.Task.IsCompleted, Is.True, "a reader was told to read");
    }

    private static RevocationDraft Draft(RevocationKind kind, string subject, string reason = "contract") =>
        new(kind, subject, reason, LiftAfter: null, ExpireAfter: kind is RevocationKind.Grant or RevocationKind.Task ? Day : null, By: "spiffe://example.org/operator");

    private static string NewSubject() => "s-" + Guid.NewGuid().ToString("N")[..12];
}
