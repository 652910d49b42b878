namespace CredBroker.Core.Audit;

/// <summary>
/// What a decision hands to the <see cref="AuditLog"/>. The log adds the id, the time, the caller and
/// the request id (from <see cref="AuditContext"/>); a sink adds the chain position and hashes.
/// </summary>
public sealed record AuditEntry(string Kind, string Decision)
{
    public string WorkloadId { get; init; } = string.Empty;

    public string Owner { get; init; } = string.Empty;

    public string TaskId { get; init; } = string.Empty;

    public string Purpose { get; init; } = string.Empty;

    public IReadOnlyList<string> Tools { get; init; } = [];

    public string GrantId { get; init; } = string.Empty;

    public string Reason { get; init; } = string.Empty;

    public IReadOnlyDictionary<string, string> Evidence { get; init; } = new Dictionary<string, string>();
}
