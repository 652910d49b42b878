using System.Collections.Concurrent;
using CredBroker.Core.Tokens;

namespace CredBroker.Core.Revocation;

/// <summary>
/// The rules in force, indexed by kind and subject, so checking a token is one lookup per kind
/// (one per tool in its scope) whatever the number of rules. Safe for one writer and many readers.
/// </summary>
internal sealed class RevocationSet
{
    private readonly ConcurrentDictionary<string, RevocationRule> grants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RevocationRule> tasks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RevocationRule> workloads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RevocationRule> tools = new(StringComparer.Ordinal);
    private volatile RevocationRule? all;

    public int Count => grants.Count + tasks.Count + workloads.Count + tools.Count + (all is null ? 0 : 1);

    /// <summary>Adds a rule, or replaces the rule of the same kind and subject (a lift supersedes the engagement).</summary>
    public void Apply(RevocationRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Kind == RevocationKind.All)
        {
            all = Merge(all, rule);
            return;
        }

        Index(rule.Kind).AddOrUpdate(rule.Subject, rule, (_, existing) => Merge(existing, rule));
    }

    /// <summary>The first rule that covers the token, or null when none does.</summary>
    public RevocationRule? FindCovering(AccessTokenClaims token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (all is { } a && a.Covers(token))
        {
            return a;
        }

        if (grants.TryGetValue(token.JwtId, out var g) && g.Covers(token))
        {
            return g;
        }

        // A delegated token dies with any grant it descends from: one lookup per ancestor, bounded by the depth.
        foreach (var ancestor in token.Ancestors)
        {
            if (grants.TryGetValue(ancestor, out var up) && up.Covers(token))
            {
                return up;
            }
        }

        if (tasks.TryGetValue(token.TaskId, out var t) && t.Covers(token))
        {
            return t;
        }

        if (workloads.TryGetValue(token.Subject, out var w) && w.Covers(token))
        {
            return w;
        }

        // A quarantined workload's tokens die wherever it stands in a delegation chain.
        foreach (var actor in token.Actors)
        {
            if (workloads.TryGetValue(actor, out var r) && r.Covers(token))
            {
                return r;
            }
        }

        foreach (var tool in token.Scope)
        {
            if (tools.TryGetValue(tool, out var r) && r.Covers(token))
            {
                return r;
            }
        }

        return null;
    }

    /// <summary>Drops rules that can no longer cover a live token.</summary>
    public void Prune(DateTimeOffset now)
    {
        if (all is { ExpiresAt: { } allExpiry } && allExpiry <= now)
        {
            all = null;
        }

        foreach (var index in new[] { grants, tasks, workloads, tools })
        {
            foreach (var (subject, rule) in index)
            {
                if (rule.ExpiresAt is { } expiry && expiry <= now)
                {
                    index.TryRemove(new KeyValuePair<string, RevocationRule>(subject, rule));
                }
            }
        }
    }

    public IEnumerable<RevocationRule> Rules =>
        grants.Values.Concat(tasks.Values).Concat(workloads.Values).Concat(tools.Values).Concat(all is { } a ? [a] : []);

    /// <summary>
    /// Combines two events about one subject without ever shrinking coverage. An event with the
    /// same <see cref="RevocationRule.RevokedAt"/> is an update of the same engagement (a lift) and
    /// replaces it; a different engagement unites with it: standing if either stands, else the later lift.
    /// </summary>
    public static RevocationRule Merge(RevocationRule? existing, RevocationRule incoming)
    {
        if (existing is null || existing.RevokedAt == incoming.RevokedAt)
        {
            return incoming;
        }

        var newer = incoming.RevokedAt > existing.RevokedAt ? incoming : existing;
        // An expiry of null means "never"; the union keeps the later one.
        DateTimeOffset? expiry = existing.ExpiresAt is not { } x || incoming.ExpiresAt is not { } y ? null : (x > y ? x : y);
        if (existing.LiftedAt is not { } a || incoming.LiftedAt is not { } b)
        {
            return newer with { LiftedAt = null, ExpiresAt = expiry };
        }

        return newer with { LiftedAt = a > b ? a : b, ExpiresAt = expiry };
    }

    private ConcurrentDictionary<string, RevocationRule> Index(RevocationKind kind) => kind switch
    {
        RevocationKind.Grant => grants,
        RevocationKind.Task => tasks,
        RevocationKind.Workload => workloads,
        RevocationKind.Tool => tools,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
