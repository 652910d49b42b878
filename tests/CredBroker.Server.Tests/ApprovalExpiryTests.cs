using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Server.Tests;

/// <summary>An approval not decided and collected within limits.approvalTtl is good for nothing.</summary>
public sealed class ApprovalExpiryTests
{
    private FakeTimeProvider time = null!;
    private BrokerFixture broker = null!;

    [SetUp]
    public async Task Start()
    {
        time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        broker = await BrokerFixture.StartAsync(policy: ApprovalPolicy.Yaml, time: time);
    }

    [TearDown]
    public async Task Stop()
    {
        await broker.DisposeAsync();
    }

    private static RequestGrantRequest Drop(string taskId, string? approvalId = null) => new()
    {
        TaskId = taskId,
        Purpose = "nightly cleanup",
        Tools = { "db.drop" },
        Context = { ["environment"] = "prod" },
        ApprovalId = approvalId ?? string.Empty,
    };

    [Test]
    public async Task An_expired_approval_can_be_neither_decided_nor_collected()
    {
        var taskId = BrokerFixture.NewTaskId();
        var undecided = (await broker.Grants.RequestGrantAsync(Drop(taskId), broker.As(ApprovalPolicy.DataAgent))).Pending;
        var approved = (await broker.Grants.RequestGrantAsync(Drop(taskId), broker.As(ApprovalPolicy.DataAgent))).Pending;
        await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = approved.ApprovalId }, broker.As(ApprovalPolicy.Approver));

        time.Advance(TimeSpan.FromMinutes(5));
        var decide = Assert.ThrowsAsync<RpcException>(async () => await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = undecided.ApprovalId }, broker.As(ApprovalPolicy.Approver)))!;
        var collect = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(Drop(taskId, approved.ApprovalId), broker.As(ApprovalPolicy.DataAgent)))!;
        var listed = await broker.Admin.ListApprovalsAsync(new ListApprovalsRequest(), broker.As(ApprovalPolicy.Approver));

        Assert.That(decide.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(decide.Status.Detail, Does.Contain("expired at"));
        Assert.That(collect.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(collect.Status.Detail, Is.EqualTo($"approval {approved.ApprovalId} expired at {approved.ExpiresAt.ToDateTimeOffset():yyyy-MM-ddTHH:mm:ssZ}"));
        Assert.That(listed.Approvals, Is.Empty);
    }

    [Test]
    public async Task An_approval_collected_just_before_expiry_still_yields_its_grant()
    {
        var taskId = BrokerFixture.NewTaskId();
        var pending = (await broker.Grants.RequestGrantAsync(Drop(taskId), broker.As(ApprovalPolicy.DataAgent))).Pending;
        await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = pending.ApprovalId }, broker.As(ApprovalPolicy.Approver));

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var granted = await broker.Grants.RequestGrantAsync(Drop(taskId, pending.ApprovalId), broker.As(ApprovalPolicy.DataAgent));

        Assert.That(granted.Grant.Tools, Is.EqualTo(new[] { "db.drop" }));
    }
}
