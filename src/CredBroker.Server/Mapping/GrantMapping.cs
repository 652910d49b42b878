using CredBroker.Core.Grants;
using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using Google.Protobuf.WellKnownTypes;
using CoreGrantRequest = CredBroker.Core.Grants.GrantRequest;

namespace CredBroker.Server.Mapping;

/// <summary>Grant messages to Core and back.</summary>
public static class GrantMapping
{
    public static CoreGrantRequest ToCore(RequestGrantRequest request, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        return new CoreGrantRequest(
            caller.Id,
            request.TaskId,
            request.Purpose,
            request.Tools.ToList(),
            request.Ttl is { } ttl ? DurationMapping.ToTimeSpan(ttl) : null,
            request.Context.ToDictionary(StringComparer.Ordinal),
            string.IsNullOrEmpty(request.ApprovalId) ? null : request.ApprovalId);
    }

    public static RequestGrantResponse ToProto(GrantOutcome.Issued issued)
    {
        ArgumentNullException.ThrowIfNull(issued);
        var g = issued.Grant;
        return new RequestGrantResponse
        {
            Grant = new Grant
            {
                GrantId = g.GrantId,
                AccessToken = issued.AccessToken,
                IssuedAt = Timestamp.FromDateTimeOffset(g.IssuedAt),
                ExpiresAt = Timestamp.FromDateTimeOffset(g.ExpiresAt),
                TaskId = g.TaskId,
                WorkloadId = g.WorkloadId,
                Tools = { g.Tools },
                Audience = g.Audience,
                Scope = string.Join(' ', g.Tools),
            },
        };
    }
}
