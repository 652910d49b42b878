using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>
/// Every RPC of every service, called over gRPC by a holder of each role: admitted where DESIGN.md
/// says (the table below is written from it, not read from the broker), PERMISSION_DENIED naming the
/// role needed everywhere else. Requests are empty, so an admitted call changes nothing.
/// </summary>
public sealed class RoleAccessTests
{
    /// <summary>Who may call what, per DESIGN.md.</summary>
    private static readonly Dictionary<string, string[]> Expected = new(StringComparer.Ordinal)
    {
        ["GrantService/RequestGrant"] = ["agent"],
        ["GrantService/AwaitApproval"] = ["agent"],
        ["GrantService/ReleaseGrant"] = ["agent"],
        ["GrantService/ExchangeGrant"] = ["agent"],
        ["TaskService/OpenTask"] = ["orchestrator"],
        ["TaskService/RevokeTask"] = ["orchestrator"],
        ["TaskService/GetTask"] = ["orchestrator", "operator"],
        ["AdminService/RevokeGrant"] = ["operator"],
        ["AdminService/RevokeWorkload"] = ["operator"],
        ["AdminService/RevokeTool"] = ["operator"],
        ["AdminService/EngageKillSwitch"] = ["operator"],
        ["AdminService/ReleaseKillSwitch"] = ["operator"],
        ["AdminService/GetKillSwitch"] = ["operator"],
        ["AdminService/ListGrants"] = ["operator"],
        ["AdminService/ListApprovals"] = ["approver", "operator"],
        ["AdminService/ApproveGrant"] = ["approver"],
        ["AdminService/DenyGrant"] = ["approver"],
        ["AdminService/ReportAnomaly"] = ["operator"],
        ["AdminService/ReadAudit"] = ["operator"],
        ["AdminService/ReleaseTool"] = ["operator"],
        ["VerifyService/Introspect"] = ["tool"],
        ["VerifyService/WatchRevocations"] = ["tool"],
        ["VerifyService/RecordToolUse"] = ["tool"],
    };

    private static readonly (string Role, string Id)[] Callers =
    [
        ("agent", TestPolicy.Support),
        ("orchestrator", TestPolicy.Orchestrator),
        ("operator", TestPolicy.Operator),
        ("approver", TestPolicy.Approver),
        ("tool", TestPolicy.Tool),
        ("nobody", TestPolicy.Stranger),
    ];

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    public static IEnumerable<TestCaseData> Calls()
    {
        foreach (var service in new[] { GrantService.Descriptor, TaskService.Descriptor, AdminService.Descriptor, VerifyService.Descriptor })
        {
            foreach (var method in service.Methods)
            {
                foreach (var (role, id) in Callers)
                {
                    var admitted = Expected[$"{service.Name}/{method.Name}"].Contains(role);
                    yield return new TestCaseData(method, id, admitted)
                        .SetName($"{service.Name}_{method.Name}_as_{role}_is_{(admitted ? "admitted" : "PERMISSION_DENIED")}");
                }
            }
        }
    }

    [TestCaseSource(nameof(Calls))]
    public async Task Each_role_is_admitted_only_where_the_design_allows(MethodDescriptor method, string caller, bool admitted)
    {
        var status = await CallAsync(method, broker.As(caller).WithDeadline(DateTime.UtcNow.AddSeconds(5)));
        var needed = string.Join(" or ", Expected[$"{method.Service.Name}/{method.Name}"]);
        if (admitted)
        {
            Assert.That(status.StatusCode, Is.Not.EqualTo(StatusCode.Unauthenticated), status.Detail);
            Assert.That(status.Detail, Does.Not.Contain("lacks role"), "admitted past the role check");
        }
        else
        {
            Assert.That(status.StatusCode, Is.EqualTo(StatusCode.PermissionDenied), status.Detail);
            Assert.That(status.Detail, Does.EndWith($"lacks role {needed}, which /{method.Service.FullName}/{method.Name} requires"));
        }
    }

    [Test]
    public void The_design_table_covers_every_method()
    {
        var services = new[] { GrantService.Descriptor, TaskService.Descriptor, AdminService.Descriptor, VerifyService.Descriptor };
        Assert.That(services.SelectMany(s => s.Methods.Select(m => $"{s.Name}/{m.Name}")), Is.EquivalentTo(Expected.Keys));
    }

    /// <summary>Calls a method with an empty request over the real channel and returns how it ended.</summary>
    private async Task<Status> CallAsync(MethodDescriptor descriptor, CallOptions options)
    {
        var invoker = broker.Channel.CreateCallInvoker();
        var type = descriptor.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary;
        var method = new Method<byte[], byte[]>(type, descriptor.Service.FullName, descriptor.Name, Raw, Raw);
        try
        {
            if (descriptor.IsServerStreaming)
            {
                using var call = invoker.AsyncServerStreamingCall(method, null, options, []);
                await call.ResponseStream.MoveNext(CancellationToken.None);
            }
            else
            {
                await invoker.AsyncUnaryCall(method, null, options, []);
            }

            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }
}
