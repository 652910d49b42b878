using System.Collections.Concurrent;

namespace CredBroker.Core.Anomalies;

/// <summary>The in-memory store's counters: one queue of event times per key, trimmed to the window on each event.</summary>
public sealed class InMemoryAnomalyCounter(TimeProvider time) : IAnomalyCounter
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> events = new(StringComparer.Ordinal);

    public ValueTask<long> AddAsync(string key, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var queue = events.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            while (queue.Count > 0 && queue.Peek() <= now - window)
            {
                queue.Dequeue();
            }

            queue.Enqueue(now);
            return ValueTask.FromResult((long)queue.Count);
        }
    }
}
