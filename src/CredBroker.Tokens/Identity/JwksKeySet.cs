using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Identity;

/// <summary>
/// An issuer's key set, fetched from its source and kept current. It is fetched again every
/// refresh interval (in the background, serving the known keys meanwhile) and when a token names
/// a kid it lacks, which is how a rotation is learnt without a restart. Fetches are never closer
/// together than the minimum interval, whatever tokens arrive, so forged kids cannot turn the
/// broker against the issuer. A failed fetch keeps the last good keys.
/// </summary>
public sealed class JwksKeySet : IIssuerKeys, IDisposable
{
    private readonly IJwksSource source;
    private readonly string issuer;
    private readonly TimeSpan refreshInterval;
    private readonly TimeSpan minRefreshInterval;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private Snapshot? current;
    private DateTimeOffset? lastAttempt;
    private Task<bool>? inflight;

    internal JwksKeySet(IJwksSource source, string issuer, TimeSpan refreshInterval, TimeSpan minRefreshInterval, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(source);
        this.source = source;
        this.issuer = issuer;
        this.refreshInterval = refreshInterval;
        this.minRefreshInterval = minRefreshInterval;
        this.time = time;
        this.logger = logger;
    }

    internal string Location => source.Location;

    /// <summary>How many usable keys are held now.</summary>
    internal int KeyCount => current?.Keys.Count ?? 0;

    /// <summary>Why the last fetch failed; null when it succeeded.</summary>
    internal string? LastFailure { get; private set; }

    /// <summary>Fetches the key set now (unless a fetch is under way); for start-up. True when keys are held afterwards.</summary>
    internal async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(rateLimited: false, cancellationToken).ConfigureAwait(false);
        return current is not null;
    }

    /// <inheritdoc />
    public async ValueTask<IssuerKey?> FindAsync(string kid, CancellationToken cancellationToken)
    {
        var snapshot = current;
        if (snapshot is null)
        {
            await RefreshAsync(rateLimited: true, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            RefreshIfDue(snapshot);
        }

        if (current?.Keys.GetValueOrDefault(kid) is { } known)
        {
            return known;
        }

        // An unknown kid may be a key the issuer has just rotated in: look again, at most this often.
        return await RefreshAsync(rateLimited: true, cancellationToken).ConfigureAwait(false)
            ? current?.Keys.GetValueOrDefault(kid)
            : null;
    }

    /// <summary>
    /// The key held now under <paramref name="kid"/>, or null; never fetches for an unknown kid, so it costs a
    /// dictionary lookup. Like <see cref="FindAsync"/> it starts a background refresh once the set is older than
    /// the refresh interval, so callers that only ever ask this still see a key withdrawn from the set.
    /// </summary>
    public IssuerKey? Held(string kid)
    {
        var snapshot = current;
        if (snapshot is null)
        {
            return null;
        }

        RefreshIfDue(snapshot);
        return snapshot.Keys.GetValueOrDefault(kid);
    }

    /// <summary>Disposes the key source (its HTTP client, for a URL).</summary>
    public void Dispose() => (source as IDisposable)?.Dispose();

    private void RefreshIfDue(Snapshot snapshot)
    {
        if (time.GetUtcNow() - snapshot.FetchedAt >= refreshInterval)
        {
            // Stale but usable: refresh behind the caller's back rather than in its way.
            _ = RefreshAsync(rateLimited: true, CancellationToken.None);
        }
    }

    /// <returns>Whether a fetch ran (or was joined); false when the rate limit held it back.</returns>
    private Task<bool> RefreshAsync(bool rateLimited, CancellationToken cancellationToken)
    {
        Task<bool> fetch;
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (inflight is { IsCompleted: false } running)
            {
                fetch = running;
            }
            else if (rateLimited && lastAttempt is { } last && now - last < minRefreshInterval)
            {
                TokensLog.JwksKeySetRefreshHeldBack(logger, issuer);
                return Task.FromResult(false);
            }
            else
            {
                lastAttempt = now;
                fetch = inflight = FetchAsync();
            }
        }

        return fetch.WaitAsync(cancellationToken);
    }

    private async Task<bool> FetchAsync()
    {
        await Task.Yield();
        JwksKeys parsed;
        try
        {
            parsed = JwksDocument.Parse(await source.FetchAsync(CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException or TaskCanceledException or FormatException)
        {
            LastFailure = e.Message;
            TokensLog.JwksKeySetFetchFailed(logger, issuer, source.Location, e.Message, current is null ? "no keys are held, so its tokens are refused" : "the last keys fetched stay in use");
            return true;
        }

        LastFailure = null;
        var previous = current;
        current = new Snapshot(parsed.Keys, time.GetUtcNow());
        if (previous is null || !previous.Keys.Keys.Order(StringComparer.Ordinal).SequenceEqual(parsed.Keys.Keys.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            // Kid changes are rare and worth recording whatever the level; the join is cheap at that rate.
            var kids = string.Join(", ", parsed.Keys.Keys);
            TokensLog.JwksKeySetKeysChanged(logger, issuer, source.Location, parsed.Keys.Count, kids);
            foreach (var reason in parsed.Skipped)
            {
                TokensLog.JwksKeySetKeySkipped(logger, issuer, reason);
            }
        }

        return true;
    }

    private sealed record Snapshot(IReadOnlyDictionary<string, IssuerKey> Keys, DateTimeOffset FetchedAt);
}
