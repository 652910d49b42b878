using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>Approval gates end to end through gRPC, on both stores: held, listed, decided, awaited, collected once.</summary>
[TestFixture("memory")]
[TestFixture("redis")]
public sealed class ApprovalFlowTests(string store)
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync(
        store == "redis" ? await SharedRedis.GetEndpointAsync() : null,
        policy: ApprovalPolicy.Yaml,
        redisKeyPrefix: store == "redis" ? $"approvals-{Guid.NewGuid():N}:" : null);

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private static RequestGrantRequest Drop(string taskId) => new()
    {
        TaskId = taskId,
        Purpose = "nightly cleanup of table t",
        Tools = { "db.read", "db.drop" },
        Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(3)),
        Context = { ["environment"] = "prod" },
    };

    private async Task<PendingApproval> HoldAsync(string taskId, string workload = ApprovalPolicy.DataAgent)
    {
        var response = await broker.Grants.RequestGrantAsync(Drop(taskId), broker.As(workload));
        Assert.That(response.ResultCase, Is.EqualTo(RequestGrantResponse.ResultOneofCase.Pending));
        return response.Pending;
    }

    private static RpcException Refused(Func<Task> call) => Assert.ThrowsAsync<RpcException>(async () => await call())!;

    [Test]
    public async Task A_critical_tool_waits_for_an_approver_and_the_approval_yields_exactly_one_grant()
    {
        var taskId = BrokerFixture.NewTaskId();
        var pending = await HoldAsync(taskId);
        Assert.That(pending.ApprovalId, Does.StartWith("ap_"));
        Assert.That(pending.Reason, Is.EqualTo("tool 'db.drop' (risk critical) requires approval"));

        var listed = (await broker.Admin.ListApprovalsAsync(new ListApprovalsRequest { PageSize = 500 }, broker.As(ApprovalPolicy.Approver))).Approvals.Single(a => a.ApprovalId == pending.ApprovalId);
        Assert.That((listed.WorkloadId, listed.Owner, listed.TaskId, listed.Purpose), Is.EqualTo((ApprovalPolicy.DataAgent, "team-data", taskId, "nightly cleanup of table t")));
        Assert.That(listed.Tools, Is.EqualTo(new[] { "db.read", "db.drop" }));
        Assert.That(listed.Context["environment"], Is.EqualTo("prod"));
        Assert.That(listed.ExpiresAt.ToDateTimeOffset() - listed.RequestedAt.ToDateTimeOffset(), Is.EqualTo(TimeSpan.FromMinutes(5)), "limits.approvalTtl");

        using var waiting = broker.Grants.AwaitApprovalAsync(new AwaitApprovalRequest { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.DataAgent).WithDeadline(DateTime.UtcNow.AddMinutes(1)));
        var decision = await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = pending.ApprovalId, Comment = "planned maintenance" }, broker.As(ApprovalPolicy.Approver));
        var granted = await waiting.ResponseAsync;

        Assert.That((decision.Status, decision.DecidedBy, decision.Reason), Is.EqualTo((ApprovalStatus.Approved, ApprovalPolicy.Approver, "planned maintenance")));
        Assert.That(granted.Grant.Tools, Is.EqualTo(new[] { "db.read", "db.drop" }));
        Assert.That(granted.Grant.TaskId, Is.EqualTo(taskId));
        Assert.That(granted.Grant.ExpiresAt.Seconds - granted.Grant.IssuedAt.Seconds, Is.EqualTo(180));

        var twice = Refused(() => broker.Grants.RequestGrantAsync(new RequestGrantRequest(Drop(taskId)) { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.DataAgent)).ResponseAsync);
        Assert.That(twice.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(twice.Status.Detail, Does.Contain("already collected"));
        var listedAfter = await broker.Admin.ListApprovalsAsync(new ListApprovalsRequest { PageSize = 500 }, broker.As(ApprovalPolicy.Approver));
        Assert.That(listedAfter.Approvals.Select(a => a.ApprovalId), Does.Not.Contain(pending.ApprovalId));
    }

    [Test]
    public async Task RequestGrant_with_the_approval_id_collects_it_once_approved()
    {
        var taskId = BrokerFixture.NewTaskId();
        var pending = await HoldAsync(taskId);
        var early = Refused(() => broker.Grants.RequestGrantAsync(new RequestGrantRequest(Drop(taskId)) { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.DataAgent)).ResponseAsync);
        await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.Approver));

        var stranger = Refused(() => broker.Grants.RequestGrantAsync(new RequestGrantRequest(Drop(taskId)) { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.SelfApprover)).ResponseAsync);
        var otherTask = Refused(() => broker.Grants.RequestGrantAsync(new RequestGrantRequest(Drop(BrokerFixture.NewTaskId())) { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.DataAgent)).ResponseAsync);
        var collected = await broker.Grants.RequestGrantAsync(new RequestGrantRequest(Drop(taskId)) { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.DataAgent));

        Assert.That(early.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(early.Status.Detail, Does.Contain("still pending"));
        Assert.That(stranger.StatusCode, Is.EqualTo(StatusCode.NotFound), "another workload's approval reads as unknown");
        Assert.That(otherTask.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(otherTask.Status.Detail, Does.Contain($"is for task {taskId}"));
        Assert.That(collected.Grant.Tools, Is.EqualTo(new[] { "db.read", "db.drop" }), "the failed attempts did not use it up");
    }

    [Test]
    public async Task The_requesting_workload_cannot_approve_its_own_request_and_an_operator_is_no_approver()
    {
        var pending = await HoldAsync(BrokerFixture.NewTaskId(), ApprovalPolicy.SelfApprover);

        var self = Refused(() => broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.SelfApprover)).ResponseAsync);
        var selfDeny = Refused(() => broker.Admin.DenyGrantAsync(new DenyGrantRequest { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.SelfApprover)).ResponseAsync);
        var operatorCall = Refused(() => broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.Operator)).ResponseAsync);
        var stillPending = await broker.Admin.ListApprovalsAsync(new ListApprovalsRequest { PageSize = 500 }, broker.As(ApprovalPolicy.Operator));

        Assert.That(self.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(self.Status.Detail, Does.Contain("may not decide its own request"));
        Assert.That(selfDeny.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(operatorCall.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(operatorCall.Status.Detail, Does.Contain("role approver"));
        Assert.That(stillPending.Approvals.Select(a => a.ApprovalId), Does.Contain(pending.ApprovalId));
    }

    [Test]
    public async Task A_denied_request_ends_the_wait_with_the_approver_s_reason()
    {
        var pending = await HoldAsync(BrokerFixture.NewTaskId());
        using var waiting = broker.Grants.AwaitApprovalAsync(new AwaitApprovalRequest { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.DataAgent).WithDeadline(DateTime.UtcNow.AddMinutes(1)));

        await broker.Admin.DenyGrantAsync(new DenyGrantRequest { ApprovalId = pending.ApprovalId, Reason = "not during business hours" }, broker.As(ApprovalPolicy.Approver));
        var denied = Refused(() => waiting.ResponseAsync);
        var again = Refused(() => broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.Approver)).ResponseAsync);

        Assert.That(denied.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(denied.Status.Detail, Is.EqualTo($"approval {pending.ApprovalId} was denied by {ApprovalPolicy.Approver}: not during business hours"));
        Assert.That(again.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(again.Status.Detail, Does.Contain("already decided: denied"));
    }

    [Test]
    public async Task AwaitApproval_ends_at_the_call_deadline_while_nobody_decides()
    {
        var pending = await HoldAsync(BrokerFixture.NewTaskId());

        var waited = Refused(() => broker.Grants.AwaitApprovalAsync(new AwaitApprovalRequest { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.DataAgent).WithDeadline(DateTime.UtcNow.AddMilliseconds(600))).ResponseAsync);
        var unknown = Refused(() => broker.Grants.AwaitApprovalAsync(new AwaitApprovalRequest { ApprovalId = "ap_unknown" }, broker.As(ApprovalPolicy.DataAgent)).ResponseAsync);

        Assert.That(waited.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
        Assert.That(unknown.StatusCode, Is.EqualTo(StatusCode.NotFound));
    }

    [Test]
    public async Task Deny_messages_name_the_rule_and_the_tool_and_nothing_is_granted_in_part()
    {
        var taskId = BrokerFixture.NewTaskId();
        var prod = new RequestGrantRequest { TaskId = taskId, Purpose = "nightly load", Tools = { "db.read", "db.write" }, Context = { ["environment"] = "prod" } };
        var purpose = new RequestGrantRequest { TaskId = taskId, Purpose = "ad hoc export", Tools = { "db.read" } };

        var conditionDeny = Refused(() => broker.Grants.RequestGrantAsync(prod, broker.As(ApprovalPolicy.DataAgent)).ResponseAsync);
        var purposeDeny = Refused(() => broker.Grants.RequestGrantAsync(purpose, broker.As(ApprovalPolicy.DataAgent)).ResponseAsync);
        var staging = await broker.Grants.RequestGrantAsync(new RequestGrantRequest(prod) { Context = { ["environment"] = "staging" } }, broker.As(ApprovalPolicy.DataAgent));
        var listed = await broker.Admin.ListGrantsAsync(new ListGrantsRequest { TaskId = taskId }, broker.As(ApprovalPolicy.Operator));

        Assert.That(conditionDeny.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(conditionDeny.Status.Detail, Is.EqualTo($"policy rule 'writes-only-in-staging' denied tool 'db.write' for task {taskId}: context environment is 'prod'"));
        Assert.That(purposeDeny.Status.Detail, Does.StartWith($"policy rule 'data-agent' does not allow purpose 'ad hoc export' for task {taskId}"));
        Assert.That(staging.Grant.Tools, Is.EqualTo(new[] { "db.read", "db.write" }));
        Assert.That(listed.Grants.Select(g => g.GrantId), Is.EqualTo(new[] { staging.Grant.GrantId }), "the refused requests left no grant behind");
    }
}
