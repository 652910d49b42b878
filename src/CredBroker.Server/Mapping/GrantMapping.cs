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
            request.Ttl is { } ttl ? ToTimeSpan(ttl) : null,
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

    /// <summary>
    /// A Duration whose parts disagree in sign or overflow is not a duration; it maps to a
    /// negative span so validation refuses it by name rather than the mapping throwing.
    /// </summary>
    private static TimeSpan ToTimeSpan(Duration duration)
    {
        if (duration.Seconds < 0 || duration.Nanos < 0 || duration.Seconds > 315_576_000_000L)
        {
            return TimeSpan.FromTicks(-1);
        }

        return duration.ToTimeSpan();
    }
}
