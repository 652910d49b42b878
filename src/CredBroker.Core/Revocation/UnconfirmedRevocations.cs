using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Revocation;

/// <summary>
/// Revocations the store acknowledged while it could not promise durability (a safety setting had
/// drifted). They were applied and pushed to verifiers as always; this remembers them, bounded, and
/// writes them again once the store is safe, so a crash during the drift cannot lose them for good
/// (invariant 3). Past the bound it stops remembering and starts a new generation instead, which
/// revokes every token issued before it: the safe way to cover what it could not keep.
/// </summary>
public sealed partial class UnconfirmedRevocations(IStoreSafety safety, IRevocationLog log, IBrokerStore store, RuleLifetime lifetime, ILogger<UnconfirmedRevocations> logger)
{
    /// <summary>At most this many are remembered; a few megabytes at worst.</summary>
    public const int Capacity = 10_000;

    private readonly Lock gate = new();
    private readonly List<RevocationEntry> entries = [];
    private bool overflowed;

    /// <summary>How many wait to be written again.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count + (overflowed ? 1 : 0);
            }
        }
    }

    /// <summary>
    /// Call after the store acknowledged <paramref name="entry"/>. Null when the store is durable now;
    /// otherwise the entry is remembered and the answer says why durability is not confirmed.
    /// </summary>
    public string? Note(RevocationEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var condition = safety.Current;
        if (condition.IsDurable)
        {
            return null;
        }

        lock (gate)
        {
            if (entries.Count < Capacity)
            {
                entries.Add(entry);
            }
            else if (!overflowed)
            {
                overflowed = true;
                CoreLog.UnconfirmedRevocationsOverflow(logger, Capacity);
            }
        }

        return NotConfirmed(condition);
    }

    /// <summary>The text replies carry when the store cannot promise a write survives a crash.</summary>
    public static string NotConfirmed(StoreCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return $"durability not confirmed: {condition.Detail}; the revocation is in force and is written again once the store is safe";
    }

    /// <summary>Writes every remembered revocation again if the store is durable now; keeps what failed for the next call.</summary>
    public async Task RewriteAsync(CancellationToken cancellationToken)
    {
        if (!safety.Current.IsDurable)
        {
            return;
        }

        List<RevocationEntry> batch;
        bool restart;
        lock (gate)
        {
            batch = [.. entries];
            restart = overflowed;
            entries.Clear();
            overflowed = false;
        }

        var done = 0;
        try
        {
            if (restart)
            {
                await log.StartGenerationAsync($"more than {Capacity} revocations were acknowledged while the store could not promise durability", lifetime.AfterLift, cancellationToken).ConfigureAwait(false);
                restart = false;
            }

            var rewritten = 0;
            foreach (var entry in batch)
            {
                rewritten += await RewriteOneAsync(entry, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                done++;
            }

            if (batch.Count > 0)
            {
                CoreLog.UnconfirmedRevocationsRewritten(logger, batch.Count, rewritten);
            }
        }
        catch (BrokerStoreUnavailableException)
        {
            // Put back what is still owed, in order; the next call tries again.
            lock (gate)
            {
                entries.InsertRange(0, batch.Skip(done));
                overflowed |= restart;
            }
        }
    }

    private async Task<bool> RewriteOneAsync(RevocationEntry entry, CancellationToken cancellationToken)
    {
        var written = await log.RestoreAsync(entry, cancellationToken).ConfigureAwait(false);
        var rule = entry.Rule;
        // The stores' own marks, so a lost task or grant revocation also refuses new grants and reads
        // as revoked again; both are idempotent when the mark survived.
        if (rule.Kind == RevocationKind.Task)
        {
            await store.RevokeTaskAsync(rule.Subject, rule.Reason, cancellationToken).ConfigureAwait(false);
        }
        else if (rule.Kind == RevocationKind.Grant)
        {
            await store.RevokeGrantAsync(rule.Subject, rule.Reason, cancellationToken).ConfigureAwait(false);
        }

        return written;
    }
}
