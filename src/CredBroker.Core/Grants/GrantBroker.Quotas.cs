using CredBroker.Core.Policy;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Grants;

/// <summary>Per-workload caps: a rate limit and a maximum of live grants, counted in the store so replicas share them.</summary>
public sealed partial class GrantBroker
{
    /// <summary>
    /// Counts the draft against the workload's caps. A refusal is RESOURCE_EXHAUSTED with a retry
    /// delay (google.rpc.RetryInfo), never UNAVAILABLE, which clients would retry blindly.
    /// </summary>
    private async Task<Refusal?> ReserveQuotaAsync(WorkloadDefinition workload, GrantDraft draft, CancellationToken cancellationToken)
    {
        var quota = GrantQuota.Of(workload);
        if (quota.IsUnlimited)
        {
            return null;
        }

        var result = await store.ReserveGrantAsync(draft.WorkloadId, draft.GrantId, quota, draft.Ttl, cancellationToken).ConfigureAwait(false);
        switch (result)
        {
            case QuotaResult.RateLimited limited:
                var rateRetry = AtLeastOneSecond(limited.RetryAfter);
                LogExhausted(draft.WorkloadId, workload.Name, "rateLimit");
                return new Refusal(
                    RefusalKind.ResourceExhausted,
                    $"workload {draft.WorkloadId} reached its rate limit of {limited.Count} grants per {DurationText.Format(limited.Window)} (policy rule '{workload.Name}' rateLimit); retry in {DurationText.Format(rateRetry)}",
                    RetryAfter: rateRetry);
            case QuotaResult.TooManyLive live:
                var liveRetry = AtLeastOneSecond(live.RetryAfter);
                LogExhausted(draft.WorkloadId, workload.Name, "maxLiveGrants");
                return new Refusal(
                    RefusalKind.ResourceExhausted,
                    $"workload {draft.WorkloadId} holds {live.Live} live grants, the most policy rule '{workload.Name}' allows (maxLiveGrants); release one or retry in {DurationText.Format(liveRetry)}",
                    RetryAfter: liveRetry);
            default:
                return null;
        }
    }

    private async Task ReleaseQuotaAsync(GrantRecord grant, CancellationToken cancellationToken)
    {
        if (policy.Current.FindWorkload(grant.WorkloadId) is { } workload && !GrantQuota.Of(workload).IsUnlimited)
        {
            await store.ReleaseGrantAsync(grant.WorkloadId, grant.GrantId, issued: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whole seconds, rounded up: a client told "retry in 0s" would spin.</summary>
    private static TimeSpan AtLeastOneSecond(TimeSpan delay) =>
        TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(delay.TotalSeconds)));

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "Refused grant to {WorkloadId}: rule {Rule} {Limit} reached")]
    private partial void LogExhausted(string workloadId, string rule, string limit);
}
