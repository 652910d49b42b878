namespace CredBroker.Core.Revocation;

/// <summary>
/// The durable, ordered log of revocation rules that verifiers replay and follow, plus the
/// standing rule of each workload, tool and the kill switch. Every revocation is one write,
/// whatever the number of grants it covers (invariant 4); rule times come from the store's clock.
/// Failures throw <see cref="Storage.BrokerStoreUnavailableException"/>.
/// </summary>
public interface IRevocationLog
{
    /// <summary>Appends a rule (united with any standing rule on the same subject) and returns it with its cursor.</summary>
    ValueTask<RevocationEntry> AppendAsync(RevocationDraft draft, CancellationToken cancellationToken);

    /// <summary>Lifts the standing rule of the subject now; null when none stands.</summary>
    ValueTask<RevocationEntry?> LiftAsync(RevocationKind kind, string subject, TimeSpan expireAfterLift, CancellationToken cancellationToken);

    /// <summary>The rules on the kill switch, the workload and the tools, with the store's time, in one read.</summary>
    ValueTask<StandingRules> GetStandingAsync(string workloadId, IReadOnlyList<string> tools, CancellationToken cancellationToken);

    /// <summary>Entries after <paramref name="cursor"/> (null or "0": from the start), oldest first, at most <paramref name="max"/>.</summary>
    ValueTask<RevocationPage> ReadAfterAsync(string? cursor, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Detects a wiped or replaced dataset. When the generation marker is missing, sets a new one and
    /// first appends a rule revoking every token issued before now (invariant 3). Returns true then.
    /// </summary>
    ValueTask<bool> EnsureGenerationAsync(TimeSpan tokenLifetime, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a new generation whatever the marker says: appends a rule revoking every token issued
    /// before now, for a store known to have lost data (evicted keys, restored from an older copy).
    /// </summary>
    ValueTask StartGenerationAsync(string why, TimeSpan tokenLifetime, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="entry"/> again with its own times unless the log still holds its cursor,
    /// for a rule acknowledged while the store could not promise durability. True when it was written again.
    /// </summary>
    ValueTask<bool> RestoreAsync(RevocationEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="signal"/> when a rule may have been appended (by any replica); a hint to
    /// read now. Returns at once and never throws: readers poll as well, so a missed hint costs latency only.
    /// </summary>
    void OnAppended(Action signal);

    /// <summary>Forgets expired rules and trims the log before <paramref name="horizon"/>, re-appending rules still in force first.</summary>
    ValueTask MaintainAsync(DateTimeOffset horizon, CancellationToken cancellationToken);
}

/// <summary>A rule to append. Times are offsets from the store's "now" at the moment of writing.</summary>
/// <param name="LiftAfter">Null: the rule stands until lifted. Otherwise it covers tokens issued up to now plus this (rounded up to a whole second).</param>
/// <param name="ExpireAfter">Null: kept until lifted. Otherwise forgettable this long after now (at least the lifetime of any token it covers).</param>
public sealed record RevocationDraft(RevocationKind Kind, string Subject, string Reason, TimeSpan? LiftAfter, TimeSpan? ExpireAfter, string By = "");

/// <summary>A rule as logged, with the cursor that places it in the log.</summary>
public sealed record RevocationEntry(string Cursor, RevocationRule Rule);

public sealed record RevocationPage(IReadOnlyList<RevocationEntry> Entries, string LastCursor);

/// <summary>Standing rules relevant to one grant request, and the store's time they were read at.</summary>
public sealed record StandingRules(DateTimeOffset Now, IReadOnlyList<RevocationRule> Rules);
