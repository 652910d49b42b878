namespace CredBroker.Core.Grants;

/// <summary>
/// A sub-agent's request for a delegated grant (RFC 8693 token exchange), with the workload identity
/// the server authenticated (the caller, never a request field) and the parent's access token.
/// </summary>
/// <param name="WorkloadId">The authenticated caller: the sub-agent the grant is handed to.</param>
/// <param name="SubjectToken">The parent's access token; everything else about the parent is read from it.</param>
/// <param name="TaskId">Optional: the task the caller expects; a parent token of another task is refused. Empty: the parent's.</param>
public sealed record ExchangeRequest(
    string WorkloadId,
    string SubjectToken,
    string TaskId,
    string Purpose,
    IReadOnlyList<string> Tools,
    TimeSpan? Ttl)
{
    /// <summary>The caller's deadline, by the broker's clock; null when it set none.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>The front door (<c>grpc</c>), put on audit events as evidence <c>wire</c>.</summary>
    public string? Wire { get; init; }
}
