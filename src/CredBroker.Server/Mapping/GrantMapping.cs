using CredBroker.Core.Grants;
using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using Google.Protobuf.WellKnownTypes;
using CoreGrantRequest = CredBroker.Core.Grants.GrantRequest;

namespace CredBroker.Server.Mapping;

/// <summary>The front doors a grant request can come through, as the audit log names them.</summary>
public static class Wires
{
    public const string Grpc = "grpc";
    public const string Http = "http";
}

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
            request.Ttl is { } ttl ? DurationMapping.ToTimeSpan(ttl, "ttl") : null,
            request.Context.ToDictionary(StringComparer.Ordinal),
            string.IsNullOrEmpty(request.ApprovalId) ? null : request.ApprovalId)
        {
            Wire = Wires.Grpc,
        };
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

    /// <summary>An exchange: the caller from the call, the parent only as its token.</summary>
    /// <summary>The token endpoint's RFC 8693 request: the tools, purpose and task read from the form, the parent's token beside them.</summary>
    public static ExchangeRequest ToCore(RequestGrantRequest request, string subjectToken, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        return new ExchangeRequest(caller.Id, subjectToken, request.TaskId, request.Purpose, request.Tools.ToList(), null) { Wire = Wires.Http };
    }

    public static ExchangeRequest ToCore(ExchangeGrantRequest request, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        return new ExchangeRequest(
            caller.Id,
            request.SubjectToken,
            request.TaskId,
            request.Purpose,
            request.Tools.ToList(),
            request.Ttl is { } ttl ? DurationMapping.ToTimeSpan(ttl, "ttl") : null)
        {
            Wire = Wires.Grpc,
        };
    }

    public static ExchangeGrantResponse ToExchangeProto(GrantOutcome.Issued issued)
    {
        ArgumentNullException.ThrowIfNull(issued);
        var chain = issued.Grant.Delegation ?? throw new InvalidOperationException("an exchange issued a grant without its delegation chain");
        return new ExchangeGrantResponse
        {
            Grant = ToProto(issued).Grant,
            ParentGrantId = chain.ParentGrantId,
            ActorChain = { chain.Actors },
            Depth = chain.Depth,
        };
    }

    public static GrantFilter ToFilter(ListGrantsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        static string? Optional(string value) => string.IsNullOrEmpty(value) ? null : value;
        return new GrantFilter(Optional(request.TaskId), Optional(request.WorkloadId), Optional(request.Tool));
    }

    public static ListGrantsResponse ToProto(GrantPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var response = new ListGrantsResponse { NextPageToken = page.NextPageToken ?? string.Empty };
        response.Grants.AddRange(page.Grants.Select(g => new GrantInfo
        {
            GrantId = g.GrantId,
            TaskId = g.TaskId,
            WorkloadId = g.WorkloadId,
            Tools = { g.Tools },
            Purpose = g.Purpose,
            Owner = g.Owner,
            Audience = g.Audience,
            IssuedAt = Timestamp.FromDateTimeOffset(g.IssuedAt),
            ExpiresAt = Timestamp.FromDateTimeOffset(g.ExpiresAt),
        }));
        return response;
    }
}
