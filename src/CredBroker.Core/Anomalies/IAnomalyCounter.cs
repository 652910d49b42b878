namespace CredBroker.Core.Anomalies;

/// <summary>
/// Sliding-window event counts for anomaly rules: in memory for one process, in Redis for replicas
/// that must count together. Throws the store's unavailable exception when it cannot count.
/// </summary>
public interface IAnomalyCounter
{
    /// <summary>Adds one event under <paramref name="key"/> and returns how many fall within the last <paramref name="window"/>, this one included.</summary>
    ValueTask<long> AddAsync(string key, TimeSpan window, CancellationToken cancellationToken);
}
