using CredBroker.Core.Tasks;
using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using CredBroker.Server.Errors;
using CredBroker.Server.Mapping;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Services;

/// <summary>Orchestrators fence tasks and end them.</summary>
public sealed class TaskRpc(TaskBroker broker) : TaskService.TaskServiceBase
{
    public override async Task<TaskInfo> OpenTask(Protocol.V1.OpenTaskRequest request, ServerCallContext context)
    {
        var result = await broker.OpenTaskAsync(TaskMapping.ToCore(request), context.Caller().Id, context.CancellationToken);
        return result.Succeeded
            ? TaskMapping.ToProto(result.Value, revokedAt: null, liveGrants: 0, result.Value.OpenedAt)
            : throw RpcErrors.From(result.Refusal);
    }

    public override async Task<TaskInfo> GetTask(GetTaskRequest request, ServerCallContext context)
    {
        var result = await broker.GetTaskAsync(request.TaskId, context.CancellationToken);
        if (!result.Succeeded)
        {
            throw RpcErrors.From(result.Refusal);
        }

        var view = result.Value;
        return view.Record is { } record
            ? TaskMapping.ToProto(record, view.RevokedAt, view.LiveGrants, view.Now)
            : TaskMapping.Revoked(view.TaskId, view.RevokedAt!.Value);
    }

    public override async Task<RevokeTaskResponse> RevokeTask(RevokeTaskRequest request, ServerCallContext context)
    {
        var result = await broker.RevokeTaskAsync(request.TaskId, request.Reason, context.Caller().Id, context.CancellationToken);
        return result.Succeeded
            ? new RevokeTaskResponse { RevokedGrants = result.Value.RevokedGrants, RevokedAt = Timestamp.FromDateTimeOffset(result.Value.RevokedAt), DurabilityNotConfirmed = result.Value.DurabilityNotConfirmed ?? string.Empty }
            : throw RpcErrors.From(result.Refusal);
    }
}
