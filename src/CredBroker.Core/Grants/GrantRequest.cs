namespace CredBroker.Core.Grants;

/// <summary>An agent's request, with the workload identity the server authenticated (never a request field).</summary>
public sealed record GrantRequest(
    string WorkloadId,
    string TaskId,
    string Purpose,
    IReadOnlyList<string> Tools,
    TimeSpan? Ttl,
    IReadOnlyDictionary<string, string> Context,
    string? ApprovalId = null);
