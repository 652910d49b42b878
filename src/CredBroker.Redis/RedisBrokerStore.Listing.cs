using System.Globalization;
using CredBroker.Core.Grants;
using StackExchange.Redis;

namespace CredBroker.Redis;

public sealed partial class RedisBrokerStore
{
    /// <summary>Candidates read per call at most, so one ListGrants with a narrow filter stays a bounded amount of work.</summary>
    private const int MaxScannedPerPage = 2000;

    public async ValueTask<GrantPage> ListGrantsAsync(GrantFilter filter, int pageSize, PageCursor? after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var found = new List<GrantRecord>(pageSize);
        var cursor = after;
        var batchSize = Math.Max(pageSize, 100);
        for (var scanned = 0; scanned < MaxScannedPerPage;)
        {
            var batch = await CandidatesAsync(RedisKeys.LiveGrants(prefix), cursor, batchSize, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                return new GrantPage(found, null);
            }

            var records = await Task.WhenAll(batch.Select(c => FindGrantAsync(c.Id, cancellationToken).AsTask())).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                scanned++;
                cursor = batch[i];
                if (records[i] is { RevokedAt: null, TaskRevokedAt: null, Grant: var grant } && filter.Matches(grant))
                {
                    found.Add(grant);
                    if (found.Count == pageSize)
                    {
                        return new GrantPage(found, cursor.Value.Encode());
                    }
                }
            }
        }

        // Bounded work: the page is short, and the caller goes on from where the scan stopped.
        return new GrantPage(found, cursor?.Encode());
    }

    /// <summary>Ids from an index sorted by expiry (live grants, pending approvals), after the cursor; drops expired entries.</summary>
    private async Task<List<PageCursor>> CandidatesAsync(RedisKey index, PageCursor? after, int limit, CancellationToken cancellationToken)
    {
        var reply = await RunAsync("list", index.ToString(), db => db.ScriptEvaluateAsync(RedisScripts.ListGrants, new
        {
            live = index,
            limit,
            afterExp = after is { } a ? a.ExpiresAtMs.ToString(CultureInfo.InvariantCulture) : string.Empty,
            afterId = after?.Id ?? string.Empty,
        }), cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        var candidates = new List<PageCursor>(values.Length / 2);
        for (var i = 0; i + 1 < values.Length; i += 2)
        {
            candidates.Add(new PageCursor((long)values[i + 1], (string)values[i]!));
        }

        return candidates;
    }
}
