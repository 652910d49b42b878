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

    /// <summary>The grant fits its caps (and, inserted, is counted).</summary>
    public sealed record Reserved : QuotaResult;

    /// <param name="RetryAfter">Until the oldest grant in the window leaves it.</param>
    public sealed record RateLimited(int Count, TimeSpan Window, TimeSpan RetryAfter) : QuotaResult;

    /// <param name="RetryAfter">Until the first live grant expires (releasing one frees a place sooner).</param>
    public sealed record TooManyLive(int Live, TimeSpan RetryAfter) : QuotaResult;
}

/// <summary>
/// Frees a workload's place under its caps. Counting a grant is not here: the store counts it in the
/// same atomic step that inserts it (<see cref="GrantDraft.Quota"/>, <c>IBrokerStore.InsertGrantAsync</c>),
/// so no reservation ever has to be undone. What is left is the hand-back: a grant released or revoked
/// before its expiry stops counting against the workload's live grants.
/// </summary>
public interface IQuotaStore
{
    /// <summary>Stops counting a grant that was not issued or was handed back (its rate entry goes too when it was never issued).</summary>
    ValueTask ReleaseGrantAsync(string workloadId, string grantId, bool issued, CancellationToken cancellationToken);
}
