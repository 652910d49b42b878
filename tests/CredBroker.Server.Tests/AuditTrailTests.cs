using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>Every decision leaves one hash-chained audit event naming who, what and why (invariant 6).</summary>
public sealed class AuditTrailTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private async Task<List<AuditEvent>> EventsAsync()
    {
        var reader = broker.Services.GetRequiredService<IAuditReader>();
        return (await reader.ReadAsync(null, 100_000, CancellationToken.None)).Select(r => r.Event).ToList();
    }

    private static RequestGrantRequest Request(string taskId, params string[] tools) =>
        new() { TaskId = taskId, Purpose = "answer the customer", Tools = { tools } };

    [Test]
    public async Task An_issued_grant_is_audited_with_caller_task_tools_and_request_id()
    {
        var taskId = BrokerFixture.NewTaskId();
        var call = broker.Grants.RequestGrantAsync(Request(taskId, "tickets.read"), broker.As(TestPolicy.Support));
        var grant = (await call).Grant;
        var requestId = call.GetTrailers().GetValue("x-request-id");

        var issued = (await EventsAsync()).Single(e => e.TaskId == taskId);
        Assert.Multiple(() =>
        {
            Assert.That(issued.Kind, Is.EqualTo(AuditKinds.GrantIssued));
            Assert.That(issued.Decision, Is.EqualTo("allow"));
            Assert.That(issued.Caller, Is.EqualTo(TestPolicy.Support));
            Assert.That(issued.WorkloadId, Is.EqualTo(TestPolicy.Support));
            Assert.That(issued.Owner, Is.EqualTo("team-support"));
            Assert.That(issued.Purpose, Is.EqualTo("answer the customer"));
            Assert.That(issued.Tools, Is.EqualTo(new[] { "tickets.read" }));
            Assert.That(issued.GrantId, Is.EqualTo(grant.GrantId));
            Assert.That(requestId, Is.Not.Empty);
            Assert.That(issued.RequestId, Is.EqualTo(requestId));
        });
    }

    [Test]
    public async Task A_denied_request_is_audited_with_its_reason()
    {
        var taskId = BrokerFixture.NewTaskId();
        var denied = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(Request(taskId, "repo.read"), broker.As(TestPolicy.Support)));
        Assert.That(denied!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));

        var refused = (await EventsAsync()).Single(e => e.TaskId == taskId);
        Assert.Multiple(() =>
        {
            Assert.That(refused.Kind, Is.EqualTo(AuditKinds.GrantRefused));
            Assert.That(refused.Decision, Is.EqualTo("permission_denied"));
            Assert.That(refused.Reason, Is.EqualTo(denied.Status.Detail));
            Assert.That(refused.Tools, Is.EqualTo(new[] { "repo.read" }));
        });
    }

    [Test]
    public async Task Release_and_task_revocation_are_audited_with_their_scope()
    {
        var taskId = BrokerFixture.NewTaskId();
        var first = (await broker.Grants.RequestGrantAsync(Request(taskId, "tickets.read"), broker.As(TestPolicy.Support))).Grant;
        await broker.Grants.RequestGrantAsync(Request(taskId, "tickets.write"), broker.As(TestPolicy.Support));
        await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = first.GrantId }, broker.As(TestPolicy.Support));
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId, Reason = "done" }, broker.As(TestPolicy.Orchestrator));

        var events = (await EventsAsync()).Where(e => e.TaskId == taskId).ToList();
        Assert.That(events.Select(e => e.Kind), Is.EqualTo(new[] { AuditKinds.GrantIssued, AuditKinds.GrantIssued, AuditKinds.GrantReleased, AuditKinds.TaskRevoked }));
        Assert.Multiple(() =>
        {
            Assert.That(events[2].GrantId, Is.EqualTo(first.GrantId));
            Assert.That(events[3].Caller, Is.EqualTo(TestPolicy.Orchestrator));
            Assert.That(events[3].Reason, Is.EqualTo("done"));
            Assert.That(events[3].Evidence["scope"], Is.EqualTo("task"));
            Assert.That(events[3].Evidence["revoked_grants"], Is.EqualTo("1"));
        });
    }

    [Test]
    public async Task Operator_revocations_and_the_kill_switch_are_audited_and_the_chain_holds()
    {
        await using var own = await BrokerFixture.StartAsync();
        var op = own.As(TestPolicy.Operator);
        await own.Admin.RevokeToolAsync(new RevokeToolRequest { Tool = "tickets.admin", Reason = "leaked" }, op);
        await own.Admin.RevokeWorkloadAsync(new RevokeWorkloadRequest { WorkloadId = TestPolicy.Coder, Reason = "odd", Quarantine = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) }, op);
        await own.Admin.EngageKillSwitchAsync(new KillSwitchRequest { Reason = "incident" }, op);
        await own.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest(), op);

        var events = (await own.Services.GetRequiredService<IAuditReader>().ReadAsync(null, 1000, CancellationToken.None)).Select(r => r.Event).ToList();
        Assert.That(events.Select(e => (e.Kind, e.Decision)), Is.EqualTo(new[]
        {
            (AuditKinds.ToolRevoked, "revoked"),
            (AuditKinds.WorkloadRevoked, "quarantined"),
            (AuditKinds.KillSwitchEngaged, "engaged"),
            (AuditKinds.KillSwitchReleased, "released"),
        }));
        Assert.Multiple(() =>
        {
            Assert.That(events.All(e => e.Caller == TestPolicy.Operator), Is.True);
            Assert.That(events[0].Tools, Is.EqualTo(new[] { "tickets.admin" }));
            Assert.That(events[1].WorkloadId, Is.EqualTo(TestPolicy.Coder));
            Assert.That(events[2].Reason, Is.EqualTo("incident"));
            Assert.That(AuditChain.Verify(events), Is.Null);
        });
    }

    [Test]
    public async Task A_held_request_its_approval_and_the_collected_grant_are_each_audited_naming_the_approver()
    {
        await using var own = await BrokerFixture.StartAsync(policy: ApprovalPolicy.Yaml);
        var taskId = BrokerFixture.NewTaskId();
        var request = new RequestGrantRequest { TaskId = taskId, Purpose = "nightly cleanup", Tools = { "db.drop" }, Context = { ["environment"] = "prod" } };
        var pending = (await own.Grants.RequestGrantAsync(request, own.As(ApprovalPolicy.DataAgent))).Pending;
        await own.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = pending.ApprovalId, Comment = "change ticket 7" }, own.As(ApprovalPolicy.Approver));
        var grant = (await own.Grants.AwaitApprovalAsync(new AwaitApprovalRequest { ApprovalId = pending.ApprovalId }, own.As(ApprovalPolicy.DataAgent))).Grant;

        var events = (await own.Services.GetRequiredService<IAuditReader>().ReadAsync(null, 1000, CancellationToken.None)).Select(r => r.Event).Where(e => e.TaskId == taskId).ToList();
        Assert.That(events.Select(e => e.Kind), Is.EqualTo(new[] { AuditKinds.GrantPending, AuditKinds.ApprovalApproved, AuditKinds.GrantIssued }));
        Assert.Multiple(() =>
        {
            Assert.That(events[0].Evidence["approval_id"], Is.EqualTo(pending.ApprovalId));
            Assert.That(events[0].Evidence["environment"], Is.EqualTo("prod"));
            Assert.That(events[1].Caller, Is.EqualTo(ApprovalPolicy.Approver));
            Assert.That(events[1].Reason, Is.EqualTo("change ticket 7"));
            Assert.That(events[2].GrantId, Is.EqualTo(grant.GrantId));
        });
    }
}
