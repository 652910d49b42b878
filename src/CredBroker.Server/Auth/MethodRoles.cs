using CredBroker.Core.Policy;
using CredBroker.Protocol.V1;

namespace CredBroker.Server.Auth;

/// <summary>
/// Which role each RPC needs: one row per method, deny by default (like SPIRE's policy table).
/// A test checks that every method of every service has a row.
/// </summary>
public static class MethodRoles
{
    private static readonly Dictionary<string, Role[]> Table = new(StringComparer.Ordinal)
    {
        [Path(GrantService.Descriptor, "RequestGrant")] = [Role.Agent],
        [Path(GrantService.Descriptor, "AwaitApproval")] = [Role.Agent],
        [Path(GrantService.Descriptor, "ReleaseGrant")] = [Role.Agent],
        [Path(GrantService.Descriptor, "ExchangeGrant")] = [Role.Agent],

        [Path(TaskService.Descriptor, "OpenTask")] = [Role.Orchestrator],
        [Path(TaskService.Descriptor, "RevokeTask")] = [Role.Orchestrator],
        // Read-only: an operator investigating a grant needs the task's fence and live grants; only orchestrators change tasks.
        [Path(TaskService.Descriptor, "GetTask")] = [Role.Orchestrator, Role.Operator],

        [Path(AdminService.Descriptor, "RevokeGrant")] = [Role.Operator],
        [Path(AdminService.Descriptor, "RevokeWorkload")] = [Role.Operator],
        [Path(AdminService.Descriptor, "RevokeTool")] = [Role.Operator],
        [Path(AdminService.Descriptor, "EngageKillSwitch")] = [Role.Operator],
        [Path(AdminService.Descriptor, "ReleaseKillSwitch")] = [Role.Operator],
        [Path(AdminService.Descriptor, "GetKillSwitch")] = [Role.Operator],
        [Path(AdminService.Descriptor, "ListGrants")] = [Role.Operator],
        [Path(AdminService.Descriptor, "ListApprovals")] = [Role.Approver, Role.Operator],
        [Path(AdminService.Descriptor, "ApproveGrant")] = [Role.Approver],
        [Path(AdminService.Descriptor, "DenyGrant")] = [Role.Approver],
        [Path(AdminService.Descriptor, "ReportAnomaly")] = [Role.Operator],
        [Path(AdminService.Descriptor, "ReadAudit")] = [Role.Operator],
        [Path(AdminService.Descriptor, "ReleaseTool")] = [Role.Operator],

        [Path(VerifyService.Descriptor, "Introspect")] = [Role.Tool],
        [Path(VerifyService.Descriptor, "WatchRevocations")] = [Role.Tool],
        [Path(VerifyService.Descriptor, "RecordToolUse")] = [Role.Tool],
    };

    /// <summary>The roles that may call <paramref name="method"/> (a gRPC path such as <c>/credbroker.v1.GrantService/RequestGrant</c>); null when unlisted.</summary>
    public static IReadOnlyList<Role>? For(string method) => Table.TryGetValue(method, out var roles) ? roles : null;

    public static IEnumerable<string> Methods => Table.Keys;

    private static string Path(Google.Protobuf.Reflection.ServiceDescriptor service, string method) =>
        $"/{service.FullName}/{service.FindMethodByName(method)?.Name ?? throw new InvalidOperationException($"{service.FullName} has no method {method}")}";
}
