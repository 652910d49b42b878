using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

/// <summary>Per-workload quotas: a sliding rate window and a cap on live grants, counted atomically.</summary>
public abstract partial class BrokerStoreContract
{
    private static string NewWorkload() => "spiffe://example.org/agent/" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Counts a grant against <paramref name="quota"/> the only way a store does: by inserting it (on a
    /// task of its own) with the caps on its draft. Reserved when inserted, else the caps' refusal.
    /// </summary>
    private async Task<QuotaResult> ReserveAsync(string workload, string grantId, GrantQuota quota, TimeSpan ttl)
    {
        var draft = Draft(NewTaskId(), ttl, workloadId: workload) with { GrantId = grantId, Quota = quota };
        return await Store.InsertGrantAsync(draft, requireOpenTask: false, default) switch
        {
            GrantInsertResult.Inserted => new QuotaResult.Reserved(),
            GrantInsertResult.QuotaExceeded exceeded => exceeded.Quota,
            var other => throw new AssertionException($"the insert was refused for another reason: {other}"),
        };
    }

    [Test]
    public async Task A_rate_limit_refuses_past_its_count_with_the_time_until_the_window_frees()
    {
        var workload = NewWorkload();
        var quota = new GrantQuota(null, new RateLimit(2, TimeSpan.FromMinutes(1)));
        var first = GrantIds.New();

        var results = new List<QuotaResult>();
        foreach (var id in new[] { first, GrantIds.New(), GrantIds.New() })
        {
            results.Add(await ReserveAsync(workload, id, quota, TimeSpan.FromMinutes(5)));
        }

        Assert.That(results[0], Is.TypeOf<QuotaResult.Reserved>());
        Assert.That(results[1], Is.TypeOf<QuotaResult.Reserved>());
        var limited = (QuotaResult.RateLimited)results[2];
        Assert.That(limited.RetryAfter, Is.GreaterThan(TimeSpan.FromSeconds(50)).And.LessThanOrEqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(await ReserveAsync(NewWorkload(), GrantIds.New(), quota, TimeSpan.FromMinutes(5)), Is.TypeOf<QuotaResult.Reserved>(), "counts are per workload");

        await Quotas.ReleaseGrantAsync(workload, first, issued: false, default);
        Assert.That(await ReserveAsync(workload, GrantIds.New(), quota, TimeSpan.FromMinutes(5)), Is.TypeOf<QuotaResult.Reserved>(), "a grant never issued does not count");
    }

    [Test]
    public async Task Live_grants_are_capped_until_one_is_released_or_expires()
    {
        var workload = NewWorkload();
        var quota = new GrantQuota(2, null);
        var first = GrantIds.New();
        await ReserveAsync(workload, first, quota, TimeSpan.FromMinutes(5));
        await ReserveAsync(workload, GrantIds.New(), quota, TimeSpan.FromSeconds(1));

        var full = await ReserveAsync(workload, GrantIds.New(), quota, TimeSpan.FromMinutes(5));
        await Quotas.ReleaseGrantAsync(workload, first, issued: true, default);
        var afterRelease = await ReserveAsync(workload, GrantIds.New(), quota, TimeSpan.FromMinutes(5));
        var fullAgain = await ReserveAsync(workload, GrantIds.New(), quota, TimeSpan.FromMinutes(5));
        await PassAsync((await Store.GetTimeAsync(default)).AddSeconds(1));
        var afterExpiry = await ReserveAsync(workload, GrantIds.New(), quota, TimeSpan.FromMinutes(5));

        var tooMany = (QuotaResult.TooManyLive)full;
        Assert.That(tooMany.Live, Is.EqualTo(2));
        Assert.That(tooMany.RetryAfter, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromSeconds(1)), "until the first live grant expires");
        Assert.That(afterRelease, Is.TypeOf<QuotaResult.Reserved>());
        Assert.That(fullAgain, Is.TypeOf<QuotaResult.TooManyLive>());
        Assert.That(afterExpiry, Is.TypeOf<QuotaResult.Reserved>());
    }

    [Test]
    public async Task Racing_reservations_never_exceed_the_cap()
    {
        var workload = NewWorkload();
        var quota = new GrantQuota(3, new RateLimit(5, TimeSpan.FromMinutes(1)));

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => ReserveAsync(workload, GrantIds.New(), quota, TimeSpan.FromMinutes(5))));

        Assert.That(results.Count(r => r is QuotaResult.Reserved), Is.EqualTo(3));
    }
}
