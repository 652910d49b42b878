using CredBroker.Core.Grants;
using StackExchange.Redis;

namespace CredBroker.Redis;

public sealed partial class RedisBrokerStore
{
    public async ValueTask<QuotaResult> ReserveGrantAsync(string workloadId, string grantId, GrantQuota quota, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(quota);
        var reply = await RunAsync("reserve quota", workloadId, db => db.ScriptEvaluateAsync(RedisScripts.ReserveQuota, new
        {
            rate = RedisKeys.WorkloadRate(prefix, workloadId),
            live = RedisKeys.WorkloadLive(prefix, workloadId),
            windowMs = (long)(quota.Rate?.Window.TotalMilliseconds ?? 0),
            maxRate = quota.Rate?.Count ?? 0,
            maxLive = quota.MaxLiveGrants ?? 0,
            ttlMs = (long)ttl.TotalMilliseconds,
            grantId,
        }), cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        return (long)values[0] switch
        {
            1 => new QuotaResult.Reserved(),
            2 => new QuotaResult.RateLimited(quota.Rate!.Count, quota.Rate.Window, TimeSpan.FromMilliseconds((long)values[1])),
            _ => new QuotaResult.TooManyLive((int)values[1], TimeSpan.FromMilliseconds((long)values[2])),
        };
    }

    public async ValueTask ReleaseGrantAsync(string workloadId, string grantId, bool issued, CancellationToken cancellationToken)
    {
        await RunAsync("release quota", workloadId, async db =>
        {
            await db.SortedSetRemoveAsync(RedisKeys.WorkloadLive(prefix, workloadId), grantId).ConfigureAwait(false);
            return issued || await db.SortedSetRemoveAsync(RedisKeys.WorkloadRate(prefix, workloadId), grantId).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
