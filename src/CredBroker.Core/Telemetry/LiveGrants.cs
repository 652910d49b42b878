using System.Collections.Concurrent;

namespace CredBroker.Core.Telemetry;

/// <summary>
/// Counts the grants this replica issued that have neither expired nor been revoked through it: a
/// gauge read on each scrape without asking the store, so a scrape costs nothing under load.
/// A grant another replica revokes (or a mass revocation) still counts here until it expires.
/// </summary>
public sealed class LiveGrants(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (string TaskId, DateTimeOffset ExpiresAt)> grants = new(StringComparer.Ordinal);

    public void Issued(string grantId, string taskId, DateTimeOffset expiresAt) => grants[grantId] = (taskId, expiresAt);

    public void Revoked(string grantId) => grants.TryRemove(grantId, out _);

    public void TaskRevoked(string taskId)
    {
        foreach (var (id, grant) in grants)
        {
            if (string.Equals(grant.TaskId, taskId, StringComparison.Ordinal))
            {
                grants.TryRemove(id, out _);
            }
        }
    }

    public long Count()
    {
        var now = time.GetUtcNow();
        foreach (var (id, grant) in grants)
        {
            if (grant.ExpiresAt <= now)
            {
                grants.TryRemove(id, out _);
            }
        }

        return grants.Count;
    }
}
