using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>No grant without its audit record: with no sink able to take the event, RequestGrant fails closed.</summary>
public sealed class AuditFailClosedTests
{
    /// <summary>An audit device that is down.</summary>
    private sealed class FailingSink : IAuditSink
    {
        public string Name => "failing";

        public ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken) =>
            throw new AuditSinkUnavailableException("disk full");

        public ValueTask<AuditHead> ReadHeadAsync(CancellationToken cancellationToken) =>
            throw new AuditSinkUnavailableException("disk full");
    }

    [Test]
    public async Task RequestGrant_answers_unavailable_and_leaves_no_live_grant_when_no_audit_sink_takes_the_event()
    {
        await using var broker = await BrokerFixture.StartAsync(services: s => s.AddSingleton<IAuditSink, FailingSink>());
        broker.Logs.ExpectErrorsFrom("CredBroker.Core.Grants.GrantBroker: No audit sink took the record");
        var taskId = BrokerFixture.NewTaskId();

        var refused = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = taskId, Purpose = "answer the customer", Tools = { "tickets.read" } },
            broker.As(TestPolicy.Support)));

        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(refused.Status.Detail, Does.Contain("audit log unavailable"));
        var task = await broker.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        Assert.That(task.LiveGrants, Is.Zero, "the stored grant must be retracted");
        Assert.That(broker.Logs.Entries.Any(e => e.Message.Contains("No audit sink took event", StringComparison.Ordinal)), Is.True);
    }
}
