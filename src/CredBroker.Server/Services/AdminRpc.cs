using CredBroker.Core;
using CredBroker.Core.Anomalies;
using CredBroker.Core.Approvals;
using CredBroker.Core.Audit;
using CredBroker.Core.Grants;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using CredBroker.Server.Errors;
using CredBroker.Server.Mapping;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Services;

/// <summary>Operators revoke: one grant, a workload, a tool, or everything.</summary>
public sealed class AdminRpc(GrantBroker grants, RevocationBroker revocations, GrantListing listing, ApprovalBroker approvals, AuditFeed audit, AnomalyResponder anomalies) : AdminService.AdminServiceBase
{
    public override async Task<ListApprovalsResponse> ListApprovals(ListApprovalsRequest request, ServerCallContext context)
    {
        var result = await approvals.ListPendingAsync(request.PageSize, request.PageToken, context.CancellationToken);
        return result.Succeeded ? ApprovalMapping.ToProto(result.Value) : throw RpcErrors.From(result.Refusal);
    }

    public override async Task<ApprovalDecision> ApproveGrant(ApproveGrantRequest request, ServerCallContext context)
    {
        var result = await approvals.ApproveAsync(request.ApprovalId, context.Caller().Id, request.Comment, context.CancellationToken);
        return result.Succeeded ? ApprovalMapping.ToDecision(result.Value) : throw RpcErrors.From(result.Refusal);
    }

    public override async Task<ApprovalDecision> DenyGrant(DenyGrantRequest request, ServerCallContext context)
    {
        var result = await approvals.DenyAsync(request.ApprovalId, context.Caller().Id, request.Reason, context.CancellationToken);
        return result.Succeeded ? ApprovalMapping.ToDecision(result.Value) : throw RpcErrors.From(result.Refusal);
    }

    public override async Task<ListGrantsResponse> ListGrants(ListGrantsRequest request, ServerCallContext context)
    {
        var result = await listing.ListAsync(GrantMapping.ToFilter(request), request.PageSize, request.PageToken, context.CancellationToken);
        return result.Succeeded ? GrantMapping.ToProto(result.Value) : throw RpcErrors.From(result.Refusal);
    }

    public override async Task<RevokeResponse> RevokeGrant(RevokeGrantRequest request, ServerCallContext context)
    {
        var result = await grants.RevokeGrantAsync(request.GrantId, request.Reason, context.CancellationToken);
        return result.Succeeded
            ? new RevokeResponse { RevokedGrants = result.Value.AlreadyRevoked ? 0 : 1, RevokedAt = Timestamp.FromDateTimeOffset(result.Value.RevokedAt), DurabilityNotConfirmed = result.Value.DurabilityNotConfirmed ?? string.Empty }
            : throw RpcErrors.From(result.Refusal);
    }

    public override async Task<RevokeResponse> RevokeWorkload(RevokeWorkloadRequest request, ServerCallContext context)
    {
        TimeSpan? quarantine = request.Quarantine is { } q ? DurationMapping.ToTimeSpan(q, "quarantine") : null;
        var result = await revocations.RevokeWorkloadAsync(request.WorkloadId, request.Reason, quarantine, context.Caller().Id, context.CancellationToken);
        return RevocationMapping.ToResponse(result);
    }

    public override async Task<RevokeResponse> RevokeTool(RevokeToolRequest request, ServerCallContext context)
    {
        TimeSpan? duration = request.Duration is { } d ? DurationMapping.ToTimeSpan(d, "duration") : null;
        return RevocationMapping.ToResponse(await revocations.RevokeToolAsync(request.Tool, request.Reason, duration, context.Caller().Id, context.CancellationToken));
    }

    public override async Task<ReleaseToolResponse> ReleaseTool(ReleaseToolRequest request, ServerCallContext context)
    {
        var result = await revocations.ReleaseToolAsync(request.Tool, request.Reason, context.CancellationToken);
        if (!result.Succeeded)
        {
            throw RpcErrors.From(result.Refusal);
        }

        return result.Value is { LiftedAt: { } lifted }
            ? new ReleaseToolResponse { Released = true, ReleasedAt = Timestamp.FromDateTimeOffset(lifted) }
            : new ReleaseToolResponse { Released = false };
    }

    public override async Task<KillSwitchState> EngageKillSwitch(KillSwitchRequest request, ServerCallContext context)
    {
        var result = await revocations.EngageKillSwitchAsync(request.Reason, context.Caller().Id, context.CancellationToken);
        return result.Succeeded ? RevocationMapping.ToKillSwitch(result.Value) : throw RpcErrors.From(result.Refusal);
    }

    public override async Task<KillSwitchState> ReleaseKillSwitch(KillSwitchRequest request, ServerCallContext context)
    {
        var released = await revocations.ReleaseKillSwitchAsync(context.CancellationToken);
        if (!released.Succeeded)
        {
            throw RpcErrors.From(released.Refusal);
        }

        return released.Value is { } rule ? RevocationMapping.ToKillSwitch(rule) : await GetKillSwitch(new GetKillSwitchRequest(), context);
    }

    public override async Task<KillSwitchState> GetKillSwitch(GetKillSwitchRequest request, ServerCallContext context)
    {
        var result = await revocations.GetKillSwitchAsync(context.CancellationToken);
        if (!result.Succeeded)
        {
            throw RpcErrors.From(result.Refusal);
        }

        return result.Value is { } rule ? RevocationMapping.ToKillSwitch(rule) : new KillSwitchState { Engaged = false };
    }

    public override async Task<ReportAnomalyResponse> ReportAnomaly(ReportAnomalyRequest request, ServerCallContext context)
    {
        var result = await anomalies.ReportAsync(new AnomalyReport(request.Kind, request.WorkloadId, request.TaskId, request.GrantId, request.Detail), context.CancellationToken);
        return result.Succeeded
            ? new ReportAnomalyResponse { Action = result.Value.Action, RevokedGrants = result.Value.RevokedGrants }
            : throw RpcErrors.From(result.Refusal);
    }

    public override async Task ReadAudit(ReadAuditRequest request, IServerStreamWriter<AuditEventRecord> responseStream, ServerCallContext context)
    {
        var query = new AuditQuery(request.AfterCursor, request.TaskId, request.WorkloadId, request.Follow, request.Limit);
        if (audit.Validate(query) is { } invalid)
        {
            throw RpcErrors.From(invalid);
        }

        try
        {
            // Before the events: `audit verify` checks the log still reaches it (newest events removed with their hashes).
            var head = await audit.ReadHeadAsync(context.CancellationToken);
            await context.WriteResponseHeadersAsync(new Metadata { { AuditMapping.HeadHeader, head.ToString() } });
            await foreach (var record in audit.ReadAsync(query, context.CancellationToken))
            {
                await responseStream.WriteAsync(AuditMapping.ToProto(record));
            }
        }
        catch (Exception e) when (e is AuditSinkUnavailableException or BrokerStoreUnavailableException)
        {
            throw RpcErrors.From(Refusal.StoreUnavailable("audit log unavailable; read again from your last cursor"));
        }
    }
}
