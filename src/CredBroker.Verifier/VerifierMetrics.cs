using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CredBroker.Verifier;

/// <summary>
/// The verifier's metrics on the <c>CredBroker.Verifier</c> meter (add it to the tool server's
/// OpenTelemetry metrics to export them). Tag values come from fixed sets, never from token contents.
/// </summary>
internal sealed class VerifierMetrics : IDisposable
{
    public const string MeterName = "CredBroker.Verifier";

    /// <summary>Counts lookups in the validated-token cache, tagged <c>result</c> = <c>hit</c> or <c>miss</c>.</summary>
    public const string TokenCacheInstrument = "credbroker.verifier.token_cache";

    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");

    private readonly Meter meter;
    private readonly Counter<long> tokenCache;

    public VerifierMetrics(IMeterFactory? factory = null)
    {
        meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        tokenCache = meter.CreateCounter<long>(TokenCacheInstrument, "{lookup}", "Validated-token cache lookups, by result (hit: signature and claims not checked again; miss: full validation)");
    }

    public void TokenCacheHit() => tokenCache.Add(1, Hit);

    public void TokenCacheMiss() => tokenCache.Add(1, Miss);

    public void Dispose() => meter.Dispose();
}
