namespace CredBroker.Core.Storage;

/// <summary>What the store can promise right now, as its watcher last saw it.</summary>
public enum StoreConditionKind
{
    /// <summary>Proven unable to lose an acknowledged write, and with room for new grants.</summary>
    Safe,
    /// <summary>Not checked since the store was (re)connected, or unreachable: nothing is proven.</summary>
    Unverified,
    /// <summary>A safety setting drifted: an acknowledged write could be lost in a crash.</summary>
    Unsafe,
    /// <summary>Durable, but above the memory watermark: the remaining room is kept for revocations.</summary>
    NearlyFull,
}

/// <param name="Detail">For a person: the setting, its value and the value required, or the limit reached. Empty when safe.</param>
public sealed record StoreCondition(StoreConditionKind Kind, string Detail)
{
    public static readonly StoreCondition Safe = new(StoreConditionKind.Safe, string.Empty);

    /// <summary>How long a client told RESOURCE_EXHAUSTED should wait: about two checks of the watermark.</summary>
    private static readonly TimeSpan FullRetry = TimeSpan.FromSeconds(5);

    /// <summary>New grants only on a store proven safe that has room (invariants 1 and 3).</summary>
    public bool AcceptsGrants => Kind == StoreConditionKind.Safe;

    /// <summary>Whether a write the store acknowledged now is known to survive a crash.</summary>
    public bool IsDurable => Kind is StoreConditionKind.Safe or StoreConditionKind.NearlyFull;

    /// <summary>Why a grant cannot be issued now; null when it can.</summary>
    public Refusal? GrantRefusal() => Kind switch
    {
        StoreConditionKind.Safe => null,
        // Not UNAVAILABLE: clients retry that at once, and each retry would eat the room kept for revocations.
        StoreConditionKind.NearlyFull => new Refusal(RefusalKind.ResourceExhausted, $"{Detail}; no token issued: the remaining room is kept for revocations", RetryAfter: FullRetry),
        StoreConditionKind.Unsafe => Refusal.StoreUnavailable($"{Detail}; no token issued"),
        // Down or just reconnected: the same answer as any store failure.
        _ => Refusal.StoreUnavailable("grant store unavailable; no token issued"),
    };
}

/// <summary>The store's safety as last checked. Read on every grant, so it must be a field read, never a round trip.</summary>
public interface IStoreSafety
{
    StoreCondition Current { get; }
}

/// <summary>A store with nothing to watch (the in-memory store lives and dies with the process): always safe.</summary>
public sealed class UnwatchedStoreSafety : IStoreSafety
{
    public StoreCondition Current => StoreCondition.Safe;
}
