using System.Diagnostics;

namespace CredBroker.LoadTest.Engines;

/// <summary>Latency percentiles of one run, in milliseconds.</summary>
public sealed record Latency(double P50, double P90, double P99, double Max)
{
    public static readonly Latency None = new(0, 0, 0, 0);

    public static Latency FromTicks(IEnumerable<long> ticks) =>
        FromMilliseconds(ticks.Select(t => t * 1000.0 / Stopwatch.Frequency));

    public static Latency FromMilliseconds(IEnumerable<double> values)
    {
        var sorted = values.ToArray();
        if (sorted.Length == 0)
        {
            return None;
        }

        Array.Sort(sorted);
        return new Latency(At(sorted, 0.50), At(sorted, 0.90), At(sorted, 0.99), sorted[^1]);
    }

    /// <summary>Nearest-rank percentile.</summary>
    public static double At(double[] sorted, double quantile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
