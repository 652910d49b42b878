using CredBroker.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace CredBroker.Client.Internal;

/// <summary>Protocol messages to the client's types and back.</summary>
internal static class Mapping
{
    public static RequestGrantRequest ToProto(GrantRequest request)
    {
        var message = new RequestGrantRequest { TaskId = request.TaskId, Purpose = request.Purpose, Tools = { request.Tools } };
        if (request.Ttl is { } ttl)
        {
            message.Ttl = Duration.FromTimeSpan(ttl);
        }

        if (request.Context is { } context)
        {
            foreach (var (key, value) in context)
            {
                message.Context[key] = value;
            }
        }

        return message;
    }

    public static BrokerGrant ToGrant(RequestGrantResponse response)
    {
        if (response.ResultCase == RequestGrantResponse.ResultOneofCase.Pending)
        {
            var p = response.Pending;
            throw new GrantPendingApprovalException(p.ApprovalId, p.Reason, Time(p.ExpiresAt));
        }

        var g = response.Grant ?? throw new CredBrokerException(Grpc.Core.StatusCode.Internal, "the broker answered with neither a grant nor a pending approval");
        return new BrokerGrant(
            g.GrantId,
            g.AccessToken,
            Time(g.IssuedAt) ?? DateTimeOffset.MinValue,
            Time(g.ExpiresAt) ?? DateTimeOffset.MinValue,
            g.TaskId,
            g.WorkloadId,
            [.. g.Tools],
            g.Audience,
            g.Scope);
    }

    public static TokenIntrospection ToIntrospection(IntrospectResponse r) => !r.Active
        ? new TokenIntrospection(false, string.IsNullOrEmpty(r.Reason) ? "inactive" : r.Reason)
        : new TokenIntrospection(true, null)
        {
            Issuer = r.Iss,
            Subject = r.Sub,
            ClientId = r.ClientId,
            Audience = r.Aud,
            IssuedAt = Time(r.Iat),
            NotBefore = Time(r.Nbf),
            ExpiresAt = Time(r.Exp),
            GrantId = r.Jti,
            Scope = r.Scope,
            TaskId = r.TaskId,
            Purpose = r.Purpose,
            Owner = r.Owner,
            TokenType = r.TokenType,
        };

    public static DateTimeOffset? Time(Timestamp? timestamp) => timestamp?.ToDateTimeOffset();
}
