using System.Collections.Concurrent;

namespace CredBroker.Core.Identity;

/// <summary>The replay guard of a single broker process (the in-memory store's companion).</summary>
public sealed class InMemoryIdentityReplayGuard(TimeProvider time) : IIdentityReplayGuard
{
    /// <summary>Expired entries are swept once the table grows past this.</summary>
    private const int SweepThreshold = 100_000;

    private readonly ConcurrentDictionary<(string Issuer, string Jti), DateTimeOffset> seen = new();

    public ValueTask<bool> TryFirstUseAsync(string issuer, string jti, DateTimeOffset forgetAfter, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (forgetAfter <= now)
        {
            // Already past its window, as the Redis guard answers: never a first use, and nothing to remember.
            return ValueTask.FromResult(false);
        }

        if (seen.Count > SweepThreshold)
        {
            foreach (var (key, until) in seen)
            {
                if (until <= now)
                {
                    seen.TryRemove(new KeyValuePair<(string, string), DateTimeOffset>(key, until));
                }
            }
        }

        var first = true;
        seen.AddOrUpdate(
            (issuer, jti),
            _ => forgetAfter,
            (_, until) =>
            {
                // An entry past its time is forgotten and the token counts as new (it is expired by then anyway).
                first = until <= now;
                return first ? forgetAfter : until;
            });
        return ValueTask.FromResult(first);
    }
}
