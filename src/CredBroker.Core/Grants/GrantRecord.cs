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
    DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// Set on a grant made by <c>ExchangeGrant</c>, as it is minted; null for a grant from
    /// <c>RequestGrant</c> and for records read back from a store (the chain lives in the token).
    /// </summary>
    public DelegationChain? Delegation { get; init; }

    /// <summary>
    /// The workload holding a delegated grant (its token's <c>client_id</c>, the nearest actor); null for a
    /// grant from <c>RequestGrant</c>, whose holder is <see cref="WorkloadId"/>. Stores keep it.
    /// </summary>
    public string? Holder { get; init; }

    /// <summary>Whether <paramref name="workloadId"/> holds this grant: its workload, or the holder it was delegated to.</summary>
    public bool IsHeldBy(string workloadId) =>
        string.Equals(Holder ?? WorkloadId, workloadId, StringComparison.Ordinal);
}
