namespace CredBroker.Core.Telemetry;

/// <summary>
/// Counts the grants this replica issued that have neither expired nor been revoked through it: a
/// gauge read on each scrape without asking the store, so a scrape costs nothing under load.
/// A grant another replica revokes (or a mass revocation) still counts here until it expires.
/// Expired grants are forgotten as new ones arrive, not only when scraped, so an unscraped broker
/// holds no more than its live grants; revoking a task costs its own grants, not every grant.
/// </summary>
public sealed class LiveGrants(TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (string TaskId, DateTimeOffset ExpiresAt)> grants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> byTask = new(StringComparer.Ordinal);

    /// <summary>Grant ids by expiry; an id revoked earlier is skipped when it comes up.</summary>
    private readonly PriorityQueue<string, DateTimeOffset> expiries = new();

    public void Issued(string grantId, string taskId, DateTimeOffset expiresAt)
    {
        lock (gate)
        {
            ForgetExpired(time.GetUtcNow());
            Forget(grantId);
            grants[grantId] = (taskId, expiresAt);
            if (!byTask.TryGetValue(taskId, out var ids))
            {
                byTask[taskId] = ids = new HashSet<string>(StringComparer.Ordinal);
            }

            ids.Add(grantId);
            expiries.Enqueue(grantId, expiresAt);
        }
    }

    public void Revoked(string grantId)
    {
        lock (gate)
        {
            Forget(grantId);
        }
    }

    public void TaskRevoked(string taskId)
    {
        lock (gate)
        {
            if (byTask.Remove(taskId, out var ids))
            {
                foreach (var id in ids)
                {
                    grants.Remove(id);
                }
            }
        }
    }

    public long Count()
    {
        lock (gate)
        {
            ForgetExpired(time.GetUtcNow());
            return grants.Count;
        }
    }

    private void ForgetExpired(DateTimeOffset now)
    {
        while (expiries.TryPeek(out var id, out var expiresAt) && expiresAt <= now)
        {
            expiries.Dequeue();
            // Only the entry this expiry was queued for: a revoked (or re-issued) id has none or another.
            if (grants.TryGetValue(id, out var grant) && grant.ExpiresAt == expiresAt)
            {
                Forget(id);
            }
        }
    }

    private void Forget(string grantId)
    {
        if (grants.Remove(grantId, out var grant) && byTask.TryGetValue(grant.TaskId, out var ids))
        {
            ids.Remove(grantId);
            if (ids.Count == 0)
            {
                byTask.Remove(grant.TaskId);
            }
        }
    }
}
