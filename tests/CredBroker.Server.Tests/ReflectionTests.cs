using CredBroker.Testing.Broker;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;

namespace CredBroker.Server.Tests;

/// <summary>gRPC server reflection, so grpcurl works without the protos: on in Development, CredBroker:GrpcReflection elsewhere.</summary>
public sealed class ReflectionTests
{
    [Test]
    public async Task With_reflection_on_a_client_lists_the_broker_services()
    {
        await using var broker = await BrokerFixture.StartAsync(settings: new Dictionary<string, string?> { ["CredBroker:GrpcReflection"] = "true" });

        var services = await ListServicesAsync(broker);

        Assert.That(services, Is.SupersetOf(new[] { "credbroker.v1.GrantService", "credbroker.v1.TaskService", "credbroker.v1.AdminService", "credbroker.v1.VerifyService", "grpc.health.v1.Health" }));
    }

    [Test]
    public async Task Outside_Development_reflection_is_off_unless_asked_for()
    {
        await using var broker = await BrokerFixture.StartAsync();

        var refused = Assert.ThrowsAsync<RpcException>(async () => await ListServicesAsync(broker));

        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
    }

    private static async Task<List<string>> ListServicesAsync(BrokerFixture broker)
    {
        using var call = new ServerReflection.ServerReflectionClient(broker.Channel).ServerReflectionInfo();
        try
        {
            await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
            await call.RequestStream.CompleteAsync();
        }
        catch (InvalidOperationException)
        {
            // The server already ended the call (UNIMPLEMENTED when reflection is off); its status comes with the response.
        }

        Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        return call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
    }
}
