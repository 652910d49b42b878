using CredBroker.Core.Grants;
using StackExchange.Redis;

namespace CredBroker.Redis;

public sealed partial class RedisBrokerStore
{
    public async ValueTask ReleaseGrantAsync(string workloadId, string grantId, bool issued, CancellationToken cancellationToken)
    {
        await RunAsync("release quota", workloadId, async db =>
        {
            await db.SortedSetRemoveAsync(RedisKeys.WorkloadLive(prefix, workloadId), grantId).ConfigureAwait(false);
            return issued || await db.SortedSetRemoveAsync(RedisKeys.WorkloadRate(prefix, workloadId), grantId).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
