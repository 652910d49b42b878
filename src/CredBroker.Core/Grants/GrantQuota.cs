using CredBroker.Core.Policy;

namespace CredBroker.Core.Grants;

/// <summary>A workload's caps from policy: how many grants it may hold at once, and how fast it may get new ones.</summary>
public sealed record GrantQuota(int? MaxLiveGrants, RateLimit? Rate)
{
    public bool IsUnlimited => MaxLiveGrants is null && Rate is null;

    public static GrantQuota Of(WorkloadDefinition workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        return new GrantQuota(workload.MaxLiveGrants, workload.RateLimit);
    }
}

/// <summary>Whether a grant fits its workload's quota; when not, how long until it would.</summary>
public abstract record QuotaResult
{
    private QuotaResult()
    {
    }

    /// <summary>The grant is counted; release it if it is then not issued.</summary>
    public sealed record Reserved : QuotaResult;

    /// <param name="RetryAfter">Until the oldest grant in the window leaves it.</param>
    public sealed record RateLimited(int Count, TimeSpan Window, TimeSpan RetryAfter) : QuotaResult;

    /// <param name="RetryAfter">Until the first live grant expires (releasing one frees a place sooner).</param>
    public sealed record TooManyLive(int Live, TimeSpan RetryAfter) : QuotaResult;
}

/// <summary>
/// Counters behind <see cref="GrantQuota"/>. Each reservation is one atomic step in the store, so
/// replicas sharing a store share the counts and cannot together exceed a cap.
/// </summary>
public interface IQuotaStore
{
    /// <summary>Counts grant <paramref name="grantId"/> (alive for at most <paramref name="ttl"/>) against the workload's caps, or says why not.</summary>
    ValueTask<QuotaResult> ReserveGrantAsync(string workloadId, string grantId, GrantQuota quota, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Stops counting a grant that was not issued or was handed back (its rate entry goes too when it was never issued).</summary>
    ValueTask ReleaseGrantAsync(string workloadId, string grantId, bool issued, CancellationToken cancellationToken);
}
