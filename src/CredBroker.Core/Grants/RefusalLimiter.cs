using System.Collections.Concurrent;
using System.Globalization;
using CredBroker.Core.Anomalies;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Grants;

/// <summary>
/// The per-identity limit on refused grant requests. Refusals are counted in the store's sliding
/// windows (shared by replicas on Redis); the refusal that goes past the limit is answered
/// RESOURCE_EXHAUSTED and recorded, and from then on, for one window, this replica refuses the
/// identity's requests before deciding them and without a record each, so a flood of bad requests
/// costs the audit log at most the limit plus one event per window (per replica).
/// </summary>
public sealed class RefusalLimiter(IAnomalyCounter counter, IOptions<RefusalLimitOptions> options, TimeProvider time)
{
    /// <summary>Counter keys: ':' and '#' cannot start an anomaly rule's name, so no rule shares them.</summary>
    private const string KeyPrefix = "#refusals:";

    private readonly ConcurrentDictionary<string, DateTimeOffset> limitedUntil = new(StringComparer.Ordinal);

    /// <summary>The refusal for an identity already past its limit; null when it may be decided.</summary>
    public Refusal? Check(string identity)
    {
        if (!limitedUntil.TryGetValue(identity, out var until))
        {
            return null;
        }

        var left = until - time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            return Limited(identity, left, "no request is decided until then");
        }

        limitedUntil.TryRemove(new KeyValuePair<string, DateTimeOffset>(identity, until));
        return null;
    }

    /// <summary>Counts a refusal the identity brought on itself; returns the limit's refusal when this one went past it.</summary>
    public async Task<Refusal?> CountAsync(string identity, Refusal refusal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var limit = options.Value;
        if (limit.MaxRefusals == 0 || refusal.Kind is not (RefusalKind.InvalidArgument or RefusalKind.PermissionDenied or RefusalKind.NotFound))
        {
            return null;
        }

        long count;
        try
        {
            count = await counter.AddAsync(KeyPrefix + identity, limit.Window, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException)
        {
            // The request is refused anyway; an uncounted refusal only delays the limit.
            return null;
        }

        if (count <= limit.MaxRefusals)
        {
            return null;
        }

        limitedUntil[identity] = time.GetUtcNow() + limit.Window;
        return Limited(identity, limit.Window, "this request was refused: " + refusal.Message);
    }

    private Refusal Limited(string identity, TimeSpan retryAfter, string detail)
    {
        var limit = options.Value;
        return new Refusal(
            RefusalKind.ResourceExhausted,
            $"{identity} made more than {limit.MaxRefusals.ToString(CultureInfo.InvariantCulture)} refused requests within {DurationText.Format(limit.Window)}; try again in {DurationText.Format(Ceiling(retryAfter))} ({detail})",
            RetryAfter: retryAfter);
    }

    private static TimeSpan Ceiling(TimeSpan span) => TimeSpan.FromSeconds(Math.Ceiling(span.TotalSeconds));
}
