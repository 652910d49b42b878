namespace CredBroker.Core.Storage;

/// <summary>How long the store keeps what it must not forget.</summary>
public sealed class StoreOptions
{
    /// <summary>
    /// How long a task revocation is remembered. It must outlive every token of the task
    /// (invariant 3) and refuse reuse of the revoked task id meanwhile. Default: 7 days;
    /// never less than the policy's global max TTL.
    /// </summary>
    public TimeSpan RevokedTaskRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long one grant decision may wait on the store in all, whatever the number of round trips,
    /// before it answers UNAVAILABLE; never longer than the caller's own deadline. Default: none for the
    /// in-memory store; the Redis store sets it to its <c>Timeout</c>.
    /// </summary>
    public TimeSpan? GrantTimeout { get; set; }

    /// <summary>
    /// Most live grants the in-memory store holds; past it new grants answer RESOURCE_EXHAUSTED, so a
    /// flood of agents cannot exhaust the broker's memory. Default: 1,000,000 (about 1 GB of heap); at least 1.
    /// </summary>
    public int MemoryMaxLiveGrants { get; set; } = 1_000_000;
}
