using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>Tool servers report each use of a token; the report joins the audit log with the grant's who and why.</summary>
public sealed class ToolUseTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private async Task<Grant> GrantAsync(string taskId) =>
        (await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "answer the customer", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support))).Grant;

    private async Task<List<AuditEvent>> ReadAsync(ReadAuditRequest request)
    {
        using var call = broker.Admin.ReadAudit(request, broker.As(TestPolicy.Operator));
        var events = new List<AuditEvent>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            events.Add(AuditCanonical.Parse(call.ResponseStream.Current.Json));
        }

        return events;
    }

    [Test]
    public async Task A_reported_use_is_audited_with_the_grants_workload_task_and_purpose()
    {
        var taskId = BrokerFixture.NewTaskId();
        var grant = await GrantAsync(taskId);
        var response = await broker.Verify.RecordToolUseAsync(
            new RecordToolUseRequest { GrantId = grant.GrantId, Tool = "tickets.read", Action = "GET /tickets/42", Outcome = "ok", Detail = "200" },
            broker.As(TestPolicy.Tool));

        var events = await ReadAsync(new ReadAuditRequest { TaskId = taskId });
        var use = events.Single(e => e.Kind == AuditKinds.ToolUse);
        Assert.Multiple(() =>
        {
            Assert.That(use.Id, Is.EqualTo(response.EventId));
            Assert.That(use.Caller, Is.EqualTo(TestPolicy.Tool));
            Assert.That(use.Decision, Is.EqualTo("ok"));
            Assert.That(use.WorkloadId, Is.EqualTo(TestPolicy.Support));
            Assert.That(use.Owner, Is.EqualTo("team-support"));
            Assert.That(use.Purpose, Is.EqualTo("answer the customer"));
            Assert.That(use.GrantId, Is.EqualTo(grant.GrantId));
            Assert.That(use.Tools, Is.EqualTo(new[] { "tickets.read" }));
            Assert.That(use.Evidence["action"], Is.EqualTo("GET /tickets/42"));
            Assert.That(use.Reason, Is.EqualTo("200"));
            Assert.That(response.AnomalyActions, Is.Empty);
        });
    }

    [TestCase("grant_id", "", "tickets.read", "GET /x", "ok")]
    [TestCase("grant_id", "not a grant!", "tickets.read", "GET /x", "ok")]
    [TestCase("tool", "g_abc", "Tickets Read", "GET /x", "ok")]
    [TestCase("action", "g_abc", "tickets.read", "", "ok")]
    [TestCase("action", "g_abc", "tickets.read", "GET\n/forged", "ok")]
    [TestCase("outcome", "g_abc", "tickets.read", "GET /x", "")]
    [TestCase("outcome", "g_abc", "tickets.read", "GET /x", "Rejected Revoked")]
    public async Task A_bad_report_is_refused_naming_the_field_and_records_nothing(string field, string grantId, string tool, string action, string outcome)
    {
        var before = (await ReadAsync(new ReadAuditRequest())).Count;
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Verify.RecordToolUseAsync(
            new RecordToolUseRequest { GrantId = grantId, Tool = tool, Action = action, Outcome = outcome },
            broker.As(TestPolicy.Tool)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.StartWith(field + ":"));
        Assert.That((await ReadAsync(new ReadAuditRequest())).Count, Is.EqualTo(before));
    }

    [Test]
    public async Task A_bad_presenter_is_refused_naming_the_field()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Verify.RecordToolUseAsync(
            new RecordToolUseRequest { GrantId = "g_abc", Tool = "tickets.read", Action = "GET /x", Outcome = "ok", PresenterWorkloadId = "agent-7" },
            broker.As(TestPolicy.Tool)));
        Assert.That(error!.Status.Detail, Does.StartWith("presenter_workload_id:"));
    }

    [Test]
    public void Only_tools_may_report_use()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Verify.RecordToolUseAsync(
            new RecordToolUseRequest { GrantId = "g_abc", Tool = "tickets.read", Action = "GET /x", Outcome = "ok" },
            broker.As(TestPolicy.Support)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
    }

    [Test]
    public async Task ReadAudit_with_follow_streams_events_appended_after_it_started()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var options = broker.As(TestPolicy.Operator).WithCancellationToken(cancel.Token);
        var taskId = BrokerFixture.NewTaskId();
        using var call = broker.Admin.ReadAudit(new ReadAuditRequest { TaskId = taskId, Follow = true }, options);
        var next = call.ResponseStream.MoveNext(cancel.Token);

        var grant = await GrantAsync(taskId);

        Assert.That(await next, Is.True);
        var first = AuditCanonical.Parse(call.ResponseStream.Current.Json);
        Assert.That(first.GrantId, Is.EqualTo(grant.GrantId));
        await cancel.CancelAsync();
    }

    [Test]
    public void ReadAudit_refuses_a_bad_cursor_naming_the_field()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await ReadAsync(new ReadAuditRequest { AfterCursor = "yesterday" }));
        Assert.That(error!.Status.Detail, Does.StartWith("after_cursor:"));
    }
}
