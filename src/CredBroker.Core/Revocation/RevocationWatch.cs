using System.Runtime.CompilerServices;

namespace CredBroker.Core.Revocation;

/// <summary>
/// One verifier's view of the log: every rule still in force after its cursor, then each new rule
/// as it is appended, with heartbeats in between. Subscribes before replaying, so a rule appended
/// during the replay is never missed; one seen twice is skipped by its cursor.
/// </summary>
public sealed class RevocationWatch(IRevocationLog log, RevocationFeed feed, TimeProvider time, PendingKillSwitch pending)
{
    private const int PageSize = 500;

    public static Refusal? Validate(string? afterCursor) =>
        Cursors.TryParse(afterCursor, out _) ? null : Refusal.Invalid("after_cursor", "not a cursor from this broker (digits, or digits-digits)");

    public async IAsyncEnumerable<FeedItem> WatchAsync(string? afterCursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var live = await feed.SubscribeAsync(cancellationToken).ConfigureAwait(false);
        var cursor = string.IsNullOrEmpty(afterCursor) ? Cursors.Start : afterCursor;
        while (true)
        {
            var page = await log.ReadAfterAsync(cursor, PageSize, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            foreach (var entry in page.Entries)
            {
                cursor = entry.Cursor;
                if (entry.Rule.ExpiresAt is not { } expiry || expiry > now)
                {
                    yield return new FeedItem.Rule(entry);
                }
            }

            if (page.Entries.Count < PageSize)
            {
                break;
            }
        }

        // The replay itself was a successful read of the whole log.
        yield return new FeedItem.Heartbeat(cursor, time.GetUtcNow());
        if (pending.Rule is { } inMemory)
        {
            // Carries the cursor already reached: a verifier applies it and resumes from the same place.
            yield return new FeedItem.Rule(new RevocationEntry(cursor, inMemory));
        }

        await foreach (var item in live.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (item)
            {
                case FeedItem.Rule rule when Cursors.Compare(rule.Entry.Cursor, cursor) > 0:
                    cursor = rule.Entry.Cursor;
                    yield return rule;
                    break;
                case FeedItem.Pending held:
                    yield return new FeedItem.Rule(new RevocationEntry(cursor, held.Held));
                    break;
                case FeedItem.Heartbeat heartbeat:
                    // Every rule up to the feed's read came through this channel before the heartbeat.
                    yield return new FeedItem.Heartbeat(cursor, heartbeat.ReadAt);
                    break;
            }
        }
    }
}
