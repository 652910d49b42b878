using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>Two brokers on one Redis agree on approvals: held on one, decided on the other, collected once.</summary>
public sealed class ApprovalReplicaTests
{
    [Test]
    public async Task AwaitApproval_on_one_replica_sees_an_approval_made_on_another()
    {
        var redis = await SharedRedis.GetEndpointAsync();
        var prefix = $"replicas-{Guid.NewGuid():N}:";
        await using var a = await BrokerFixture.StartAsync(redis, policy: ApprovalPolicy.Yaml, redisKeyPrefix: prefix);
        await using var b = await BrokerFixture.StartAsync(redis, directory: a.Directory, policy: ApprovalPolicy.Yaml, redisKeyPrefix: prefix);
        var taskId = BrokerFixture.NewTaskId();
        var request = new RequestGrantRequest { TaskId = taskId, Purpose = "nightly cleanup", Tools = { "db.drop" } };

        var pending = (await a.Grants.RequestGrantAsync(request, a.As(ApprovalPolicy.DataAgent))).Pending;
        using var waiting = a.Grants.AwaitApprovalAsync(new AwaitApprovalRequest { ApprovalId = pending.ApprovalId }, a.As(ApprovalPolicy.DataAgent).WithDeadline(DateTime.UtcNow.AddMinutes(1)));
        var listedOnB = await b.Admin.ListApprovalsAsync(new ListApprovalsRequest(), b.As(ApprovalPolicy.Approver));
        await b.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = pending.ApprovalId }, b.As(ApprovalPolicy.Approver));
        var granted = await waiting.ResponseAsync;
        var secondOnB = Assert.ThrowsAsync<RpcException>(async () => await b.Grants.RequestGrantAsync(new RequestGrantRequest(request) { ApprovalId = pending.ApprovalId }, b.As(ApprovalPolicy.DataAgent)))!;

        Assert.That(listedOnB.Approvals.Select(x => x.ApprovalId), Is.EqualTo(new[] { pending.ApprovalId }));
        Assert.That(granted.Grant.TaskId, Is.EqualTo(taskId));
        Assert.That(secondOnB.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(secondOnB.Status.Detail, Does.Contain("already collected"));
    }
}
