using CredBroker.Core.Grants;
using CredBroker.Protocol.V1;
using CredBroker.Server.Errors;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Services;

/// <summary>Operators revoke and inspect.</summary>
public sealed class AdminRpc(GrantBroker grants) : AdminService.AdminServiceBase
{
    public override async Task<RevokeResponse> RevokeGrant(RevokeGrantRequest request, ServerCallContext context)
    {
        var result = await grants.RevokeGrantAsync(request.GrantId, request.Reason, context.CancellationToken);
        return result.Succeeded
            ? new RevokeResponse { RevokedGrants = result.Value.AlreadyRevoked ? 0 : 1, RevokedAt = Timestamp.FromDateTimeOffset(result.Value.RevokedAt) }
            : throw RpcErrors.From(result.Refusal);
    }
}
