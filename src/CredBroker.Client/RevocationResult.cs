namespace CredBroker.Client;

/// <summary>What a revocation did.</summary>
/// <param name="RevokedGrants">Grants that were live when it took effect; 0 when they were already revoked.</param>
/// <param name="RevokedAt">When it took effect; for a repeated revocation, the first one's time.</param>
/// <param name="DurabilityNotConfirmed">Null when the broker's store confirmed the revocation durable; otherwise why not (it is in force all the same).</param>
public sealed record RevocationResult(long RevokedGrants, DateTimeOffset RevokedAt, string? DurabilityNotConfirmed = null)
{
    /// <summary>When new grants are allowed again (a quarantine's or tool revocation's end); null while it stands until released.</summary>
    public DateTimeOffset? LiftedAt { get; init; }
}
