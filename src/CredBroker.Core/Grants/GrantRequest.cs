namespace CredBroker.Core.Grants;

/// <summary>An agent's request, with the workload identity the server authenticated (never a request field).</summary>
public sealed record GrantRequest(
    string WorkloadId,
    string TaskId,
    string Purpose,
    IReadOnlyList<string> Tools,
    TimeSpan? Ttl,
    IReadOnlyDictionary<string, string> Context,
    string? ApprovalId = null)
{
    /// <summary>The caller's deadline (a gRPC deadline), by the broker's clock; null when it set none. Nothing is recorded or minted after it.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Which front door the request came through (<c>grpc</c>, <c>http</c>), put on its audit events as evidence <c>wire</c>; null leaves it off.</summary>
    public string? Wire { get; init; }

    /// <summary>For an exchange (<c>ExchangeGrant</c>): the parent grant asked from, put on the refusal's audit record; null otherwise.</summary>
    public string? ParentGrantId { get; init; }
}
