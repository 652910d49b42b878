using System.Collections.Concurrent;
using CredBroker.Core.Grants;

namespace CredBroker.Core.Storage;

public sealed partial class InMemoryBrokerStore
{
    private readonly ConcurrentDictionary<string, WorkloadCounters> counters = new(StringComparer.Ordinal);

    public ValueTask<QuotaResult> ReserveGrantAsync(string workloadId, string grantId, GrantQuota quota, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(quota);
        var entry = counters.GetOrAdd(workloadId, static _ => new WorkloadCounters());
        lock (entry)
        {
            var now = time.GetUtcNow();
            foreach (var (id, exp) in entry.Live.Where(l => l.Value <= now).ToList())
            {
                entry.Live.Remove(id);
            }

            if (quota.Rate is { } rate)
            {
                entry.Issued.RemoveAll(i => i.At <= now - rate.Window);
                if (entry.Issued.Count >= rate.Count)
                {
                    return ValueTask.FromResult<QuotaResult>(new QuotaResult.RateLimited(rate.Count, rate.Window, entry.Issued[0].At + rate.Window - now));
                }
            }

            if (quota.MaxLiveGrants is { } max && entry.Live.Count >= max)
            {
                return ValueTask.FromResult<QuotaResult>(new QuotaResult.TooManyLive(entry.Live.Count, entry.Live.Values.Min() - now));
            }

            entry.Issued.Add((now, grantId));
            entry.Live[grantId] = now + ttl;
            return ValueTask.FromResult<QuotaResult>(new QuotaResult.Reserved());
        }
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
