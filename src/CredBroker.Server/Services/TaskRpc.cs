using CredBroker.Core.Tasks;
using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using CredBroker.Server.Errors;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Services;

/// <summary>Orchestrators fence tasks and end them.</summary>
public sealed class TaskRpc(TaskBroker broker) : TaskService.TaskServiceBase
{
    public override async Task<RevokeTaskResponse> RevokeTask(RevokeTaskRequest request, ServerCallContext context)
    {
        var result = await broker.RevokeTaskAsync(request.TaskId, request.Reason, context.Caller().Id, context.CancellationToken);
        return result.Succeeded
            ? new RevokeTaskResponse { RevokedGrants = result.Value.RevokedGrants, RevokedAt = Timestamp.FromDateTimeOffset(result.Value.RevokedAt) }
            : throw RpcErrors.From(result.Refusal);
    }
}
