using System.Collections.Concurrent;

namespace CredBroker.Client.Internal;

/// <summary>
/// Keeps one grant per distinct request and hands it out until a margin before it expires.
/// Single-flight: however many callers ask at once, one request goes to the broker and all of them
/// get its grant. A failed request is not remembered, so the next caller tries again.
/// </summary>
internal sealed class GrantCache(TimeProvider time, TimeSpan refreshMargin)
{
    private readonly ConcurrentDictionary<GrantKey, Slot> slots = new();

    /// <summary>Requests with a slot, cached or in flight.</summary>
    internal int Count => slots.Count;

    public Task<BrokerGrant> GetAsync(GrantKey key, Func<CancellationToken, Task<BrokerGrant>> fetch, CancellationToken cancellationToken)
    {
        var slot = slots.GetOrAdd(key, _ => new Slot());
        Task<BrokerGrant> pending;
        lock (slot)
        {
            if (slot.Current is { } current && time.GetUtcNow() < current.RefreshAt)
            {
                return Task.FromResult(current.Grant);
            }

            // Pending is the request in flight; once complete it is history (its grant, if any, is
            // in Current), so a refresh starts a new one. Joining an unfinished one is the single flight.
            if (slot.Pending is null || slot.Pending.IsCompleted)
            {
                slot.Pending = FetchAsync(key, slot, fetch);
            }

            pending = slot.Pending;
        }

        // The fetch runs under the call deadline, not any one caller's token: a caller that gives up
        // must not fail the others waiting on the same grant.
        return pending.WaitAsync(cancellationToken);
    }

    /// <summary>Drops every cached grant of a task, e.g. after the task was revoked.</summary>
    public void ForgetTask(string taskId)
    {
        foreach (var key in slots.Keys.Where(k => k.TaskId == taskId))
        {
            slots.TryRemove(key, out _);
        }
    }

    /// <summary>Drops every cached grant, e.g. after a workload, a tool or everything was revoked.</summary>
    public void Clear() => slots.Clear();

    /// <summary>Drops the cached grant with this id, e.g. after it was released.</summary>
    public void ForgetGrant(string grantId)
    {
        foreach (var (key, slot) in slots)
        {
            lock (slot)
            {
                if (slot.Current?.Grant.GrantId == grantId)
                {
                    slot.Current = null;
                }
            }
        }
    }

    private async Task<BrokerGrant> FetchAsync(GrantKey key, Slot slot, Func<CancellationToken, Task<BrokerGrant>> fetch)
    {
        // The lifetime is counted from before the request left, on this machine's clock: a client
        // whose clock disagrees with the broker's then neither keeps an expired token nor refreshes
        // on every call, and the token was issued no earlier than this moment.
        var sentAt = time.GetUtcNow();
        BrokerGrant grant;
        try
        {
            grant = await fetch(CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            lock (slot)
            {
                slot.Current = null;
            }

            throw;
        }

        var lifetime = grant.Lifetime > TimeSpan.Zero ? grant.Lifetime : TimeSpan.Zero;
        var margin = refreshMargin * 2 > lifetime ? lifetime / 2 : refreshMargin;
        lock (slot)
        {
            slot.Current = new Cached(grant, sentAt + lifetime - margin, sentAt + lifetime);
        }

        SweepExpired(key);
        return grant;
    }

    /// <summary>Forgets grants past their expiry so an agent that works through many tasks does not grow the cache forever.</summary>
    private void SweepExpired(GrantKey except)
    {
        var now = time.GetUtcNow();
        foreach (var entry in slots)
        {
            if (entry.Key == except)
            {
                continue;
            }

            lock (entry.Value)
            {
                if (entry.Value.Current is { } c && c.ExpiresAt <= now && entry.Value.Pending is not { IsCompleted: false })
                {
                    slots.TryRemove(entry);
                }
            }
        }
    }

    private sealed class Slot
    {
        public Cached? Current { get; set; }

        public Task<BrokerGrant>? Pending { get; set; }
    }

    private sealed record Cached(BrokerGrant Grant, DateTimeOffset RefreshAt, DateTimeOffset ExpiresAt);
}
