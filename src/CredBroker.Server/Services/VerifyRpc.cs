using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Server.Errors;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Services;

/// <summary>Tool servers ask whether a token is live.</summary>
public sealed class VerifyRpc(TokenIntrospector introspector) : VerifyService.VerifyServiceBase
{
    public override async Task<IntrospectResponse> Introspect(IntrospectRequest request, ServerCallContext context)
    {
        var result = await introspector.IntrospectAsync(request.Token, context.CancellationToken);
        if (!result.Succeeded)
        {
            throw RpcErrors.From(result.Refusal);
        }

        if (result.Value.Claims is not { } c)
        {
            return new IntrospectResponse { Active = false, Reason = result.Value.Reason ?? "inactive" };
        }

        return new IntrospectResponse
        {
            Active = true,
            TokenType = "Bearer",
            Iss = c.Issuer,
            Sub = c.Subject,
            ClientId = c.ClientId,
            Aud = c.Audience,
            Iat = Timestamp.FromDateTimeOffset(c.IssuedAt),
            Nbf = Timestamp.FromDateTimeOffset(c.NotBefore),
            Exp = Timestamp.FromDateTimeOffset(c.ExpiresAt),
            Jti = c.JwtId,
            Scope = c.ScopeText,
            TaskId = c.TaskId,
            Purpose = c.Purpose,
            Owner = c.Owner,
        };
    }
}
