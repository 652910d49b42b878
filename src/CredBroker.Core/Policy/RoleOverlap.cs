namespace CredBroker.Core.Policy;

/// <summary>
/// Finds identities that two roles would both take in (an agent workload that is also an operator,
/// one ID under approver and orchestrator, overlapping patterns). Each is a policy error unless
/// <c>roles.allowMultiple</c> covers it, so no identity gathers powers by accident. Separation of
/// duties (invariant 7) still holds at approval time whatever this allows.
/// </summary>
public static class RoleOverlap
{
    public static IEnumerable<string> Problems(IReadOnlyList<WorkloadDefinition> workloads, RoleTable roles)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        ArgumentNullException.ThrowIfNull(roles);
        var entries = workloads.Select(w => (Role.Agent, w.Id, Where: $"workload '{w.Name}' (role agent)"))
            .Concat(roles.Members.SelectMany(m => m.Value.Select(p => (m.Key, p, Where: $"roles.{Name(m.Key)}"))))
            .ToList();
        for (var i = 0; i < entries.Count; i++)
        {
            for (var j = i + 1; j < entries.Count; j++)
            {
                var (roleA, a, whereA) = entries[i];
                var (roleB, b, whereB) = entries[j];
                if (roleA != roleB && Intersect(a, b) is { } both && !roles.AllowMultiple.Any(allowed => Covers(allowed, both)))
                {
                    yield return $"'{a}' in {whereA} and '{b}' in {whereB} both take in {both}; " +
                        "one identity may hold several roles only when roles.allowMultiple lists it (an ID, or a pattern ending in /*)";
                }
            }
        }
    }

    public static string Name(Role role) => role.ToString().ToLowerInvariant();

    /// <summary>The identities both patterns match, as a pattern; null when none.</summary>
    private static IdPattern? Intersect(IdPattern a, IdPattern b)
    {
        var (wildA, wildB) = (IsWildcard(a), IsWildcard(b));
        return (wildA, wildB) switch
        {
            (false, false) => a == b ? a : null,
            (true, false) => a.Matches(b.Text) ? b : null,
            (false, true) => b.Matches(a.Text) ? a : null,
            _ => Prefix(a).StartsWith(Prefix(b), StringComparison.Ordinal) ? a
                : Prefix(b).StartsWith(Prefix(a), StringComparison.Ordinal) ? b : null,
        };
    }

    /// <summary>Whether every identity <paramref name="inner"/> matches is matched by <paramref name="outer"/>.</summary>
    private static bool Covers(IdPattern outer, IdPattern inner) => IsWildcard(inner)
        ? IsWildcard(outer) && Prefix(inner).StartsWith(Prefix(outer), StringComparison.Ordinal)
        : outer.Matches(inner.Text);

    private static bool IsWildcard(IdPattern pattern) => pattern.Text.EndsWith("/*", StringComparison.Ordinal);

    private static string Prefix(IdPattern pattern) => pattern.Text[..^1];
}
