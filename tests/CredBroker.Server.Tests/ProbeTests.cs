using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace CredBroker.Server.Tests;

/// <summary>
/// The probes a platform runs the broker with: liveness says the process is up, readiness says it can issue
/// (store reachable and safe, durable audit sink taking events, a signing key, a policy), and the gRPC health
/// service reports readiness for each broker service by name.
/// </summary>
public sealed class ProbeTests
{
    private const string GrantService = "credbroker.v1.GrantService";

    [Test]
    public async Task Readiness_goes_unhealthy_while_Redis_is_stopped_and_healthy_when_it_returns_while_liveness_stays_healthy()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var broker = await BrokerFixture.StartAsync(redis.Endpoint);
        Assert.That(await StatusAsync(broker, "/healthz/ready"), Is.EqualTo(200));
        Assert.That(await StatusAsync(broker, "/healthz/live"), Is.EqualTo(200));
        Assert.That(await GrpcStatusAsync(broker, GrantService), Is.EqualTo(ServingStatus.Serving));

        // The Redis client logs each lost connection and reconnect attempt as an error.
        broker.Logs.ExpectErrorsFrom("StackExchange.Redis");
        await redis.StopAsync();
        await UntilAsync(broker, "/healthz/ready", 503, "readiness to notice Redis is gone");
        Assert.That(await StatusAsync(broker, "/healthz"), Is.EqualTo(503), "/healthz is readiness");
        Assert.That(await StatusAsync(broker, "/healthz/live"), Is.EqualTo(200), "alive: a restart would not bring Redis back");
        Assert.That(await GrpcStatusAsync(broker, GrantService), Is.EqualTo(ServingStatus.NotServing));
        Assert.That(await GrpcStatusAsync(broker, string.Empty), Is.EqualTo(ServingStatus.NotServing));

        await redis.StartAsync();
        await UntilAsync(broker, "/healthz/ready", 200, "readiness once Redis is back and proven safe");
        Assert.That(await GrpcStatusAsync(broker, GrantService), Is.EqualTo(ServingStatus.Serving));
    }

    [Test]
    public async Task The_gRPC_health_service_reports_each_broker_service_by_name_and_no_other()
    {
        await using var broker = await BrokerFixture.StartAsync();
        foreach (var service in new[] { string.Empty, GrantService, "credbroker.v1.TaskService", "credbroker.v1.AdminService", "credbroker.v1.VerifyService" })
        {
            Assert.That(await GrpcStatusAsync(broker, service), Is.EqualTo(ServingStatus.Serving), service);
        }

        var unknown = Assert.ThrowsAsync<RpcException>(async () => await GrpcStatusAsync(broker, "credbroker.v1.NoSuchService"));
        Assert.That(unknown!.StatusCode, Is.EqualTo(StatusCode.NotFound));
    }

    private static async Task<int> StatusAsync(BrokerFixture broker, string path)
    {
        using var response = await broker.Http.GetAsync(new Uri(path, UriKind.Relative));
        return (int)response.StatusCode;
    }

    private static async Task<ServingStatus> GrpcStatusAsync(BrokerFixture broker, string service) =>
        (await new Health.HealthClient(broker.Channel).CheckAsync(new HealthCheckRequest { Service = service })).Status;

    /// <summary>Polls until the probe answers <paramref name="status"/>; the bound is generous, the wait usually a second or two.</summary>
    private static async Task UntilAsync(BrokerFixture broker, string path, int status, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        int last;
        while ((last = await StatusAsync(broker, path)) != status)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"waited 60 s for {what}; {path} still answers {last}");
            }

            await Task.Delay(100);
        }
    }
}
