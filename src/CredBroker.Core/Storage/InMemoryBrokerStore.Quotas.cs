using System.Collections.Concurrent;
using CredBroker.Core.Grants;

namespace CredBroker.Core.Storage;

public sealed partial class InMemoryBrokerStore
{
    private readonly ConcurrentDictionary<string, WorkloadCounters> counters = new(StringComparer.Ordinal);

    /// <summary>Why the caps refuse one more grant now, or null; the caller holds the counters' lock.</summary>
    private static QuotaResult? QuotaRefusal(WorkloadCounters entry, GrantQuota quota, DateTimeOffset now)
    {
        foreach (var (id, _) in entry.Live.Where(l => l.Value <= now).ToList())
        {
            entry.Live.Remove(id);
        }

        if (quota.Rate is { } rate)
        {
            entry.Issued.RemoveAll(i => i.At <= now - rate.Window);
            if (entry.Issued.Count >= rate.Count)
            {
                return new QuotaResult.RateLimited(rate.Count, rate.Window, entry.Issued[0].At + rate.Window - now);
            }
        }

        return quota.MaxLiveGrants is { } max && entry.Live.Count >= max
            ? new QuotaResult.TooManyLive(entry.Live.Count, entry.Live.Values.Min() - now)
            : null;
    }

    /// <summary>Counts an inserted grant against the caps; the caller holds the counters' lock.</summary>
    private static void Count(WorkloadCounters entry, GrantQuota quota, GrantRecord grant, DateTimeOffset now)
    {
        if (quota.Rate is not null)
        {
            entry.Issued.Add((now, grant.GrantId));
        }

        entry.Live[grant.GrantId] = grant.ExpiresAt;
    }

    public ValueTask ReleaseGrantAsync(string workloadId, string grantId, bool issued, CancellationToken cancellationToken)
    {
        if (counters.TryGetValue(workloadId, out var entry))
        {
            lock (entry)
            {
                entry.Live.Remove(grantId);
                if (!issued)
                {
                    entry.Issued.RemoveAll(i => i.GrantId == grantId);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    private sealed class WorkloadCounters
    {
        /// <summary>Grants issued in the current rate window, oldest first.</summary>
        public List<(DateTimeOffset At, string GrantId)> Issued { get; } = [];

        /// <summary>Grants that may be live, with the latest they can expire.</summary>
        public Dictionary<string, DateTimeOffset> Live { get; } = new(StringComparer.Ordinal);
    }
}
