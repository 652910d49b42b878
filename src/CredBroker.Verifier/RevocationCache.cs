using CredBroker.Core.Revocation;
using CredBroker.Core.Tokens;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier;

/// <summary>
/// This tool server's copy of the broker's revocation rules, indexed by kind and subject in a
/// <see cref="RevocationSet"/> (the broker's own matching code), so checking a token is one lookup per
/// rule kind whatever the number of rules, keyed on claims, never on token bytes. Fed by
/// <see cref="RevocationWatcher"/>. The view is fresh only while the broker keeps proving it current with
/// keep-alives; older than <see cref="CredBrokerVerifierOptions.MaxStaleness"/>, it is stale.
/// </summary>
public sealed class RevocationCache
{
    private readonly RevocationSet rules = new();
    private readonly TimeProvider time;
    private readonly TimeSpan maxStaleness;
    private readonly Lock gate = new();
    private long lastProofTicks = long.MinValue;
    private string cursor = Cursors.Start;
    private DateTimeOffset nextPrune = DateTimeOffset.MinValue;

    internal RevocationCache(IOptions<CredBrokerVerifierOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        maxStaleness = options.Value.MaxStaleness;
    }

    /// <summary>The cursor to resume the stream from: the last rule or keep-alive received.</summary>
    internal string Cursor
    {
        get
        {
            lock (gate)
            {
                return cursor;
            }
        }
    }

    /// <summary>How many rules are held.</summary>
    public int Count => rules.Count;

    /// <summary>When the broker last proved this view current; null before the first proof (the replay is not done).</summary>
    public DateTimeOffset? LastProof
    {
        get
        {
            var ticks = Interlocked.Read(ref lastProofTicks);
            return ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Whether the view is recent enough to trust a "not revoked".</summary>
    public bool IsFresh => LastProof is { } proof && time.GetUtcNow() - proof <= maxStaleness;

    /// <summary>
    /// The rule that covers the token, if any. A covering rule counts even when the view is stale:
    /// a revoked token stays revoked. Only "not revoked" needs a fresh view.
    /// </summary>
    internal RevocationCheck Check(AccessTokenClaims token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (rules.FindCovering(token) is { } rule)
        {
            return new RevocationCheck(rule, IsFresh);
        }

        return new RevocationCheck(null, IsFresh);
    }

    /// <summary>Takes in one rule from the stream (a new rule, or a lift of one held).</summary>
    internal void Apply(string eventCursor, RevocationRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var now = time.GetUtcNow();
        if (rule.ExpiresAt is not { } expiry || expiry > now)
        {
            rules.Apply(rule);
        }

        Advance(eventCursor);
    }

    /// <summary>The broker read its log and found nothing after <paramref name="eventCursor"/>: the view is current now.</summary>
    internal void KeepAlive(string eventCursor)
    {
        var now = time.GetUtcNow();
        Advance(eventCursor);
        Interlocked.Exchange(ref lastProofTicks, now.UtcTicks);
        if (now >= nextPrune)
        {
            // Rules drop out once no token they could cover is alive (their expires_at); once a second is plenty.
            nextPrune = now + TimeSpan.FromSeconds(1);
            rules.Prune(now);
        }
    }

    private void Advance(string eventCursor)
    {
        lock (gate)
        {
            if (Cursors.Compare(eventCursor, cursor) > 0)
            {
                cursor = eventCursor;
            }
        }
    }
}

/// <param name="Rule">The rule covering the token; null when none does.</param>
/// <param name="Fresh">Whether the view was fresh at the check.</param>
internal readonly record struct RevocationCheck(RevocationRule? Rule, bool Fresh);
