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
}
