using System.Globalization;
using CredBroker.Core.Revocation;

namespace CredBroker.Core.Storage;

/// <summary>The revocation log of a one-process broker: a list in memory, ordered by a sequence number.</summary>
public sealed class InMemoryRevocationLog(TimeProvider time) : IRevocationLog
{
    private readonly Lock gate = new();
    private readonly List<(long Sequence, RevocationRule Rule)> entries = [];
    private readonly Dictionary<string, RevocationRule> standing = new(StringComparer.Ordinal);
    private long sequence;
    private Action? appended;
    private bool generationStarted;

    /// <summary>
    /// This process's start, in milliseconds: cursors are <c>epoch-sequence</c>. The log dies with the
    /// process, so a verifier still holding a cursor of an earlier process must replay this one's log from
    /// its start; with bare sequence numbers it would skip this log's first entries, the new-generation
    /// rule among them (invariant 3). A later process has a larger epoch, so cursors keep ordering.
    /// </summary>
    private readonly long epoch = time.GetUtcNow().ToUnixTimeMilliseconds();

    public ValueTask<RevocationEntry> AppendAsync(RevocationDraft draft, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return ValueTask.FromResult(AppendLocked(RevocationTimes.Stamp(draft, time.GetUtcNow())));
        }
    }

    public void OnAppended(Action signal) => appended += signal;

    public ValueTask<RevocationEntry?> LiftAsync(RevocationKind kind, string subject, TimeSpan expireAfterLift, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var key = $"{kind}:{subject}";
            var lifted = RevocationTimes.Lift(time.GetUtcNow(), TimeSpan.Zero);
            // A rule with an end of its own (a timed tool revocation) is lifted early, never extended.
            if (!standing.TryGetValue(key, out var rule) || (rule.LiftedAt is { } ends && ends <= lifted))
            {
                return ValueTask.FromResult<RevocationEntry?>(null);
            }

            var entry = AppendLocked(rule with { LiftedAt = lifted, ExpiresAt = lifted + expireAfterLift });
            return ValueTask.FromResult<RevocationEntry?>(entry);
        }
    }

    public ValueTask<StandingRules> GetStandingAsync(string workloadId, IReadOnlyList<string> tools, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        lock (gate)
        {
            var keys = tools.Select(t => $"{RevocationKind.Tool}:{t}").Append($"{RevocationKind.Workload}:{workloadId}").Append($"{RevocationKind.All}:");
            var rules = keys.Select(k => standing.GetValueOrDefault(k)).OfType<RevocationRule>().ToList();
            return ValueTask.FromResult(new StandingRules(time.GetUtcNow(), rules));
        }
    }

    /// <summary>
    /// The standing rules that still refuse a grant of <paramref name="tools"/> to <paramref name="workloadId"/>
    /// at <paramref name="now"/>, tools first, then the workload, then the kill switch; read by the in-memory
    /// store inside its insert, so rule and insert are one step.
    /// </summary>
    public IReadOnlyList<RevocationRule> StandingAt(string workloadId, IReadOnlyList<string> tools, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tools);
        lock (gate)
        {
            if (standing.Count == 0)
            {
                return [];
            }

            var keys = tools.Select(t => $"{RevocationKind.Tool}:{t}").Append($"{RevocationKind.Workload}:{workloadId}").Append($"{RevocationKind.All}:");
            return keys.Select(k => standing.GetValueOrDefault(k)).OfType<RevocationRule>().Where(r => r.StandsAt(now)).ToList();
        }
    }

    public ValueTask<RevocationPage> ReadAfterAsync(string? cursor, int max, CancellationToken cancellationToken)
    {
        _ = Cursors.TryParse(cursor, out var position);
        // A cursor of another process (or none) reads from the start of this one's log.
        var after = position.Major == epoch ? position.Minor : 0;
        lock (gate)
        {
            var page = entries.Where(e => e.Sequence > after).Take(max).Select(e => new RevocationEntry(Format(e.Sequence), e.Rule)).ToList();
            var last = page.Count > 0 ? page[^1].Cursor : Format(Math.Max(after, 0));
            return ValueTask.FromResult(new RevocationPage(page, last));
        }
    }

    public ValueTask<bool> EnsureGenerationAsync(TimeSpan tokenLifetime, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (generationStarted)
            {
                return ValueTask.FromResult(false);
            }

            // A new process has no record of any token signed before it started with the same keys.
            generationStarted = true;
            AppendLocked(RevocationTimes.Stamp(new RevocationDraft(RevocationKind.All, string.Empty, RevocationBroker.GenerationReason + ": tokens issued before it are unknown", TimeSpan.Zero, tokenLifetime, "credbroker"), time.GetUtcNow()));
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask StartGenerationAsync(string why, TimeSpan tokenLifetime, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            AppendLocked(RevocationTimes.Stamp(new RevocationDraft(RevocationKind.All, string.Empty, RevocationBroker.GenerationReason + ": " + why, TimeSpan.Zero, tokenLifetime, "credbroker"), time.GetUtcNow()));
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>This log loses nothing while the process lives, and the process is the only one holding it.</summary>
    public ValueTask<bool> RestoreAsync(RevocationEntry entry, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public ValueTask MaintainAsync(DateTimeOffset horizon, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            foreach (var (key, rule) in standing.Where(s => s.Value.ExpiresAt is { } e && e <= now).ToList())
            {
                standing.Remove(key);
            }

            // Entries are only dropped once the rule they carry can no longer cover a live token.
            entries.RemoveAll(e => e.Rule.ExpiresAt is { } expiry && expiry <= now && expiry <= horizon);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Cursors are fixed-width so they also sort as text; <c>millis-sequence</c> like the Redis store's stream ids.</summary>
    private string Format(long value) =>
        epoch.ToString("D13", CultureInfo.InvariantCulture) + "-" + value.ToString("D19", CultureInfo.InvariantCulture);

    private RevocationEntry AppendLocked(RevocationRule rule)
    {
        if (rule.Kind is RevocationKind.Workload or RevocationKind.Tool or RevocationKind.All)
        {
            standing.TryGetValue(rule.Key, out var existing);
            rule = RevocationSet.Merge(existing, rule);
            standing[rule.Key] = rule;
        }

        entries.Add((++sequence, rule));
        appended?.Invoke();
        return new RevocationEntry(Format(sequence), rule);
    }
}
