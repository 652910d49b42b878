using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Redis;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;
using StackExchange.Redis;

namespace CredBroker.Server.Tests;

/// <summary>
/// A configured durable audit sink that cannot take events is the record missing: grants fail closed
/// even though the store's own sink (in memory or Redis) took the event, and the broker is not ready.
/// </summary>
public sealed class DurableAuditSinkTests
{
    private static RequestGrantRequest Request(string taskId) => new() { TaskId = taskId, Purpose = "read a ticket", Tools = { "tickets.read" } };

    [TestCase(false)]
    [TestCase(true)]
    public async Task An_audit_file_that_cannot_take_events_fails_grants_closed_and_the_broker_not_ready(bool redis)
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-durable-").FullName;
        var file = Path.Combine(directory, "audit.jsonl");

        // A torn last line: the sink will not append after it (that would fork the chain).
        await File.WriteAllTextAsync(file, "{\"seq\":1,\"id\":\"torn");
        var endpoint = redis ? await SharedRedis.GetEndpointAsync() : null;
        var prefix = "durable-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var broker = await BrokerFixture.StartAsync(endpoint, directory: directory, redisKeyPrefix: prefix, settings: new Dictionary<string, string?> { ["CredBroker:Audit:File"] = file });
        broker.Logs.ExpectErrorsFrom("CredBroker.Core.Grants.GrantBroker: No audit sink took the record");

        using (var health = await broker.Http.GetAsync("/healthz"))
        {
            Assert.That((int)health.StatusCode, Is.EqualTo(503), "not ready before any grant is asked for");
        }

        var taskId = BrokerFixture.NewTaskId();
        var refused = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(Request(taskId), broker.As(TestPolicy.Support)));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(refused.Status.Detail, Does.Contain("audit log unavailable"));
        var task = await broker.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        Assert.That(task.LiveGrants, Is.Zero, "the grant the store's own sink recorded is retracted");

        using (var health = await broker.Http.GetAsync("/healthz"))
        {
            Assert.That((int)health.StatusCode, Is.EqualTo(503));
            Assert.That(await health.Content.ReadAsStringAsync(), Is.EqualTo("Unhealthy"));
        }

        using (var ready = await broker.Http.GetAsync("/healthz/ready"))
        using (var live = await broker.Http.GetAsync("/healthz/live"))
        {
            Assert.That((int)ready.StatusCode, Is.EqualTo(503), "readiness: the durable audit sink takes no events");
            Assert.That((int)live.StatusCode, Is.EqualTo(200), "liveness stays healthy");
        }

        var grpcHealth = await new Grpc.Health.V1.Health.HealthClient(broker.Channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        Assert.That(grpcHealth.Status, Is.EqualTo(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing));

        // Repaired, the file takes events again and the broker is ready.
        await File.WriteAllTextAsync(file, string.Empty);
        var granted = await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), broker.As(TestPolicy.Support));
        Assert.That(granted.Grant, Is.Not.Null);
        using (var health = await broker.Http.GetAsync("/healthz"))
        {
            Assert.That((int)health.StatusCode, Is.EqualTo(200));
        }

        using (var ready = await broker.Http.GetAsync("/healthz/ready"))
        {
            Assert.That((int)ready.StatusCode, Is.EqualTo(200), "ready again once the sink takes events");
        }

        Assert.That(AuditChain.Verify((await File.ReadAllLinesAsync(file)).Select(AuditCanonical.Parse)), Is.Null);
    }

    [Test]
    public async Task A_Redis_audit_stream_that_cannot_take_events_fails_grants_closed_although_the_file_took_them()
    {
        var endpoint = await SharedRedis.GetEndpointAsync();
        var prefix = "durable-" + Guid.NewGuid().ToString("N")[..8] + ":";
        var file = Path.Combine(Directory.CreateTempSubdirectory("credbroker-durable-").FullName, "audit.jsonl");
        await using var broker = await BrokerFixture.StartAsync(endpoint, redisKeyPrefix: prefix, settings: new Dictionary<string, string?> { ["CredBroker:Audit:File"] = file });
        broker.Logs.ExpectErrorsFrom("CredBroker.Core.Grants.GrantBroker: No audit sink took the record");

        // The store still answers; only the audit stream refuses appends (WRONGTYPE).
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        await redis.GetDatabase().StringSetAsync(RedisKeys.AuditLog(prefix), "not a stream");
        var refused = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), broker.As(TestPolicy.Support)));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(File.ReadAllLines(file).Select(AuditCanonical.Parse).Select(e => e.Kind), Does.Contain(AuditKinds.GrantIssued), "the file took the event; the Redis record did not");
        using (var health = await broker.Http.GetAsync("/healthz"))
        {
            Assert.That((int)health.StatusCode, Is.EqualTo(503));
        }

        await redis.GetDatabase().KeyDeleteAsync([RedisKeys.AuditLog(prefix), RedisKeys.AuditHead(prefix)]);
        var granted = await broker.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), broker.As(TestPolicy.Support));
        Assert.That(granted.Grant, Is.Not.Null);
        using (var health = await broker.Http.GetAsync("/healthz"))
        {
            Assert.That((int)health.StatusCode, Is.EqualTo(200));
        }
    }
}
