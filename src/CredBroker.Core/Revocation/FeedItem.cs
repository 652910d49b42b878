namespace CredBroker.Core.Revocation;

/// <summary>What the feed hands a watcher: a logged rule, or proof that the log was read and held nothing newer.</summary>
public abstract record FeedItem
{
    private FeedItem()
    {
    }

    public sealed record Rule(RevocationEntry Entry) : FeedItem;

    /// <summary>A rule in force in this broker's memory that the store has not taken yet (<see cref="PendingKillSwitch"/>); it has no cursor.</summary>
    public sealed record Pending(RevocationRule Held) : FeedItem;

    /// <param name="Cursor">The feed had read the log up to here.</param>
    /// <param name="ReadAt">When that read succeeded, by the broker's clock.</param>
    public sealed record Heartbeat(string Cursor, DateTimeOffset ReadAt) : FeedItem;
}
