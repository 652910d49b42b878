namespace CredBroker.Core.Grants;

/// <summary>A stored grant. Its token is valid only while this record exists and nothing revokes it.</summary>
public sealed record GrantRecord(
    string GrantId,
    string TaskId,
    string WorkloadId,
    string Owner,
    string Purpose,
    IReadOnlyList<string> Tools,
    string Audience,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt);
