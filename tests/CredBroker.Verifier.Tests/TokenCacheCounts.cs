using System.Diagnostics.Metrics;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// Reads one verifier's <c>credbroker.verifier.token_cache</c> counter as an operator's metrics pipeline
/// would: a miss is a full validation (ES256 signature checked), a hit is a token answered without one.
/// </summary>
public sealed class TokenCacheCounts : IDisposable
{
    private readonly MeterListener listener = new();
    private long hits;
    private long misses;

    public TokenCacheCounts(IMeterFactory meters)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Meter.Name == VerifierMetrics.MeterName && instrument.Name == VerifierMetrics.TokenCacheInstrument)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "result" && tag.Value is "hit")
                {
                    Interlocked.Add(ref hits, value);
                }
                else if (tag.Key == "result" && tag.Value is "miss")
                {
                    Interlocked.Add(ref misses, value);
                }
            }
        });
        listener.Start();
    }

    public long Hits => Interlocked.Read(ref hits);

    public long Misses => Interlocked.Read(ref misses);

    public void Dispose() => listener.Dispose();
}
