using CredBroker.Core.Audit;
using CredBroker.Core.DependencyInjection;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.SigningKeys;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CredBroker.Core.Tests.Grants;

/// <summary>
/// GrantBroker on its own, step by step: each step's refusal is the answer, and nothing after it runs
/// (no store write, no token). The grant store is the seam (Moq); clock, policy, anomaly rules,
/// revocation log, audit log and signing keys are the real ones, in memory.
/// </summary>
public sealed class GrantBrokerTests
{
    private const string Coder = "spiffe://example.org/agents/coding/alpha";

    private const string Policy = """
        version: 1
        limits: { maxTtl: 15m, defaultTtl: 5m }
        tools:
          - { name: repo.read, audience: https://git.example }
          - { name: repo.write, audience: https://git.example, risk: high }
          - { name: repo.admin, audience: https://git.example }
        workloads:
          - name: coding-agents
            id: spiffe://example.org/agents/coding/*
            owner: team-platform
            tools: [repo.read, repo.write]
            maxLiveGrants: 2
        """;

    private const string GrantRateRule = """

        anomalies:
          - { name: grant-burst, signal: grantRate, per: workload, threshold: 1, window: 10m, action: deny }
        """;

    private FakeTimeProvider time = null!;
    private Mock<IBrokerStore> store = null!;
    private string keys = null!;
    private ServiceProvider? services;

    [SetUp]
    public void Setup()
    {
        keys = Directory.CreateTempSubdirectory("grantbroker-").FullName;
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 2, 11, 417, TimeSpan.Zero));
        store = new Mock<IBrokerStore>();
        services = null;
        store.Setup(s => s.GetTaskAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string taskId, CancellationToken _) => ValueTask.FromResult(new TaskView(taskId, null, null, 0, time.GetUtcNow())));
        store.Setup(s => s.InsertGrantAsync(It.IsAny<GrantDraft>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns((GrantDraft draft, bool _, CancellationToken _) => ValueTask.FromResult<GrantInsertResult>(new GrantInsertResult.Inserted(draft.Stamp(time.GetUtcNow()))));
    }

    [TearDown]
    public async Task TearDown()
    {
        if (services is not null)
        {
            await services.DisposeAsync();
        }

        Directory.Delete(keys, recursive: true);
    }

    private GrantBroker Broker(string policy = Policy, IAuditSink? sink = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<TimeProvider>(time);
        collection.AddSingleton<IPolicySource>(new FixedPolicy(PolicyLoader.Parse(policy)));
        collection.AddSingleton(store.Object);
        if (sink is not null)
        {
            collection.AddSingleton(sink);
        }

        collection.Configure<BrokerOptions>(o => o.Issuer = "https://broker.example");
        collection.Configure<SigningKeyOptions>(o => o.KeyDirectory = keys);
        collection.AddCredBroker();
        services = collection.BuildServiceProvider();
        return services.GetRequiredService<GrantBroker>();
    }

    private static GrantRequest Request(params string[] tools) =>
        new(Coder, "t-42", "fix the build", tools.Length == 0 ? ["repo.read"] : tools, null, new Dictionary<string, string>());

    private static Refusal RefusalOf(GrantOutcome outcome)
    {
        Assert.That(outcome, Is.TypeOf<GrantOutcome.Refused>(), "refused");
        return ((GrantOutcome.Refused)outcome).Refusal;
    }

    private void AssertNothingStored() =>
        store.Verify(s => s.InsertGrantAsync(It.IsAny<GrantDraft>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()), Times.Never);

    private void ReturnOnInsert(GrantInsertResult result) =>
        store.Setup(s => s.InsertGrantAsync(It.IsAny<GrantDraft>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(result);

    [Test]
    public async Task An_allowed_request_is_stored_once_then_signed()
    {
        var outcome = await Broker().RequestGrantAsync(Request(), default);

        var issued = (GrantOutcome.Issued)outcome;
        Assert.That(issued.AccessToken.Split('.'), Has.Length.EqualTo(3));
        store.Verify(s => s.InsertGrantAsync(It.Is<GrantDraft>(d => d.GrantId == issued.Grant.GrantId && d.Quota!.MaxLiveGrants == 2), false, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task Invalid_input_is_refused_naming_the_field_before_policy_or_store()
    {
        var refusal = RefusalOf(await Broker().RequestGrantAsync(Request() with { TaskId = "bad task!" }, default));

        Assert.That((refusal.Kind, refusal.Field), Is.EqualTo((RefusalKind.InvalidArgument, "task_id")));
        AssertNothingStored();
    }

    [Test]
    public async Task A_policy_deny_is_refused_naming_the_rule_and_nothing_is_stored()
    {
        var refusal = RefusalOf(await Broker().RequestGrantAsync(Request("repo.admin"), default));

        Assert.That(refusal.Kind, Is.EqualTo(RefusalKind.PermissionDenied));
        Assert.That(refusal.Message, Does.Contain("coding-agents"));
        AssertNothingStored();
    }

    [Test]
    public async Task A_request_policy_holds_for_approval_is_pending_and_nothing_is_stored()
    {
        var outcome = await Broker().RequestGrantAsync(Request("repo.write"), default);

        Assert.That(outcome, Is.TypeOf<GrantOutcome.Pending>());
        AssertNothingStored();
    }

    [Test]
    public async Task An_anomaly_rule_the_grant_would_fire_refuses_it_before_anything_is_stored_or_signed()
    {
        var broker = Broker(Policy + GrantRateRule);

        var refusal = RefusalOf(await broker.RequestGrantAsync(Request(), default));

        Assert.That(refusal.Kind, Is.EqualTo(RefusalKind.PermissionDenied));
        Assert.That(refusal.Message, Does.Contain("anomaly rule 'grant-burst' fired"));
        AssertNothingStored();
        var recorded = await services!.GetRequiredService<IAuditReader>().ReadAsync(null, 100, default);
        Assert.That(recorded.Select(r => r.Event.Kind), Is.EqualTo(new[] { AuditKinds.Anomaly, AuditKinds.GrantRefused }), "the firing, then the refusal; no grant.issued");
    }

    [Test]
    public async Task A_standing_quarantine_the_store_reports_is_refused_as_a_precondition()
    {
        var rule = new RevocationRule(RevocationKind.Workload, Coder, time.GetUtcNow(), time.GetUtcNow().AddMinutes(5), "quarantined", null);
        ReturnOnInsert(new GrantInsertResult.RulesStand([rule], time.GetUtcNow()));

        var refusal = RefusalOf(await Broker().RequestGrantAsync(Request(), default));

        Assert.That(refusal.Kind, Is.EqualTo(RefusalKind.FailedPrecondition));
        Assert.That(refusal.Message, Does.Contain($"workload {Coder} is quarantined"));
        Assert.That(refusal.RetryAfter, Is.EqualTo(TimeSpan.FromMinutes(5)));
    }

    [Test]
    public async Task A_rule_lifting_within_a_second_is_waited_out_and_the_store_asked_once_more()
    {
        var lifting = new RevocationRule(RevocationKind.All, string.Empty, time.GetUtcNow(), time.GetUtcNow().AddMilliseconds(500), "new generation", null);
        var asked = 0;
        store.Setup(s => s.InsertGrantAsync(It.IsAny<GrantDraft>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns((GrantDraft draft, bool _, CancellationToken _) => ValueTask.FromResult<GrantInsertResult>(++asked == 1
                ? new GrantInsertResult.RulesStand([lifting], time.GetUtcNow())
                : new GrantInsertResult.Inserted(draft.Stamp(time.GetUtcNow()))));
        var broker = Broker();

        var request = broker.RequestGrantAsync(Request(), default);
        while (!request.IsCompleted)
        {
            // Fake time moves only when told; the broker's wait ends once it passes the lift.
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Yield();
        }

        Assert.That(await request, Is.TypeOf<GrantOutcome.Issued>());
        store.Verify(s => s.InsertGrantAsync(It.IsAny<GrantDraft>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Test]
    public async Task A_cap_the_store_reports_is_resource_exhausted_with_a_whole_second_retry()
    {
        ReturnOnInsert(new GrantInsertResult.QuotaExceeded(new QuotaResult.TooManyLive(2, TimeSpan.FromMilliseconds(300))));

        var refusal = RefusalOf(await Broker().RequestGrantAsync(Request(), default));

        Assert.That(refusal.Kind, Is.EqualTo(RefusalKind.ResourceExhausted));
        Assert.That(refusal.Message, Does.Contain("maxLiveGrants"));
        Assert.That(refusal.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public async Task Task_refusals_of_the_store_name_the_task_and_hide_its_owner()
    {
        ReturnOnInsert(new GrantInsertResult.TaskRevoked(time.GetUtcNow()));
        var revoked = RefusalOf(await Broker().RequestGrantAsync(Request(), default));
        ReturnOnInsert(new GrantInsertResult.TaskOwnedByOther("spiffe://example.org/agents/victim"));
        var foreign = RefusalOf(await services!.GetRequiredService<GrantBroker>().RequestGrantAsync(Request(), default));

        Assert.That((revoked.Kind, revoked.Message), Is.EqualTo((RefusalKind.FailedPrecondition, "task t-42 was revoked at 2026-11-23T10:02:11Z")));
        Assert.That((foreign.Kind, foreign.Message), Is.EqualTo((RefusalKind.PermissionDenied, "task t-42 is not yours")));
        Assert.That(foreign.AuditDetail, Does.Contain("victim"));
    }

    [Test]
    public async Task A_store_that_cannot_answer_fails_closed_with_no_token()
    {
        store.Setup(s => s.InsertGrantAsync(It.IsAny<GrantDraft>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BrokerStoreUnavailableException("redis down"));

        var refusal = RefusalOf(await Broker().RequestGrantAsync(Request(), default));

        Assert.That((refusal.Kind, refusal.Message), Is.EqualTo((RefusalKind.Unavailable, "grant store unavailable; no token issued")));
        store.Verify(s => s.DiscardGrantAsync("t-42", It.IsAny<string>(), Coder, It.IsAny<CancellationToken>()), Times.Once, "an insert that may still land is discarded behind it");
    }

    [Test]
    public async Task A_grant_no_durable_sink_recorded_fails_closed_and_its_record_is_discarded()
    {
        var sink = new Mock<IAuditSink>();
        sink.SetupGet(s => s.Name).Returns("broken");
        sink.SetupGet(s => s.Durable).Returns(true);
        sink.Setup(s => s.AppendAsync(It.IsAny<AuditEvent>(), It.IsAny<CancellationToken>())).ThrowsAsync(new AuditSinkUnavailableException("disk full"));
        string? stored = null;
        store.Setup(s => s.InsertGrantAsync(It.IsAny<GrantDraft>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns((GrantDraft draft, bool _, CancellationToken _) =>
            {
                stored = draft.GrantId;
                return ValueTask.FromResult<GrantInsertResult>(new GrantInsertResult.Inserted(draft.Stamp(time.GetUtcNow())));
            });

        var refusal = RefusalOf(await Broker(sink: sink.Object).RequestGrantAsync(Request(), default));

        Assert.That((refusal.Kind, refusal.Message), Is.EqualTo((RefusalKind.Unavailable, "audit log unavailable; no token issued")));
        store.Verify(s => s.RevokeGrantAsync(stored!, It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once, "retracted: its rule, then its record");
        store.Verify(s => s.DiscardGrantAsync("t-42", stored!, Coder, It.IsAny<CancellationToken>()), Times.Once, "and discarded");
        var rules = await services!.GetRequiredService<IRevocationLog>().ReadAfterAsync(null, 100, default);
        Assert.That(rules.Entries.Select(e => (e.Rule.Kind, e.Rule.Subject)), Does.Contain((RevocationKind.Grant, stored!)));
    }

    /// <summary>The policy, fixed for one test.</summary>
    private sealed class FixedPolicy(BrokerPolicy policy) : IPolicySource
    {
        public BrokerPolicy Current { get; } = policy;
    }
}
