using System.Diagnostics;
using CredBroker.Core.Grants;
using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using CredBroker.Server.Errors;
using CredBroker.Server.Mapping;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Services;

/// <summary>Agents ask for grants and hand them back.</summary>
public sealed class GrantRpc(GrantBroker broker, CallSlots slots) : GrantService.GrantServiceBase
{
    public override async Task<RequestGrantResponse> RequestGrant(RequestGrantRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        // gRPC gives DateTime.MaxValue when the caller set no deadline.
        var deadline = context.Deadline == DateTime.MaxValue ? (DateTimeOffset?)null : new DateTimeOffset(context.Deadline, TimeSpan.Zero);
        return ToResponse(await broker.RequestGrantAsync(GrantMapping.ToCore(request, caller) with { Deadline = deadline }, context.CancellationToken));
    }

    /// <summary>Delegation: the caller is the sub-agent (its own identity); the parent is known only from its token.</summary>
    public override async Task<ExchangeGrantResponse> ExchangeGrant(ExchangeGrantRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var deadline = context.Deadline == DateTime.MaxValue ? (DateTimeOffset?)null : new DateTimeOffset(context.Deadline, TimeSpan.Zero);
        var outcome = await broker.ExchangeGrantAsync(GrantMapping.ToCore(request, caller) with { Deadline = deadline }, context.CancellationToken);
        return outcome switch
        {
            GrantOutcome.Issued issued => GrantMapping.ToExchangeProto(issued),
            GrantOutcome.Refused refused => throw RpcErrors.From(refused.Refusal),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>
    /// Blocks until the approval is decided or the call's deadline passes (the client then sees DEADLINE_EXCEEDED).
    /// Headers go out once the call is admitted, so a client knows it holds one of its identity's slots.
    /// </summary>
    public override async Task<RequestGrantResponse> AwaitApproval(AwaitApprovalRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        using var slot = slots.AwaitingApproval(caller.Id);
        await context.WriteResponseHeadersAsync([]);
        return ToResponse(await broker.AwaitApprovalAsync(caller.Id, request.ApprovalId, context.CancellationToken));
    }

    private static RequestGrantResponse ToResponse(GrantOutcome outcome) => outcome switch
    {
        GrantOutcome.Issued issued => GrantMapping.ToProto(issued),
        GrantOutcome.Pending pending => ApprovalMapping.ToProto(pending),
        GrantOutcome.Refused refused => throw RpcErrors.From(refused.Refusal),
        _ => throw new UnreachableException(),
    };

    public override async Task<ReleaseGrantResponse> ReleaseGrant(ReleaseGrantRequest request, ServerCallContext context)
    {
        var result = await broker.ReleaseGrantAsync(context.Caller().Id, request.GrantId, context.CancellationToken);
        return result.Succeeded
            ? new ReleaseGrantResponse { ReleasedAt = Timestamp.FromDateTimeOffset(result.Value.RevokedAt), DurabilityNotConfirmed = result.Value.DurabilityNotConfirmed ?? string.Empty }
            : throw RpcErrors.From(result.Refusal);
    }
}
