using System.Globalization;
using System.Net;
using CredBroker.Protocol.V1;
using CredBroker.Redis;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Verifier.Tests.Durability;

/// <summary>
/// Room kept for revocations: grants stop at the memory watermark, so revocations and the kill switch
/// still fit; and when Redis is full anyway the kill switch is engaged in the broker's memory at once.
/// </summary>
[TestFixture]
public sealed class StoreFullTests : RedisFaultFixture
{
    private const int Tasks = 1000;

    [Test]
    public async Task Above_the_watermark_grants_stop_and_revocations_and_the_kill_switch_still_succeed()
    {
        // A low watermark so the test fills little: grants stop at half of maxmemory, the rest is kept.
        await using var broker = await StartBrokerAsync(new Dictionary<string, string?> { ["CredBroker:RedisMemoryWatermark"] = "0.5" });
        await using var verifier = await VerifierHarness.StartAsync(broker);
        var used = await UsedMemoryAsync();
        await ConfigSetAsync("maxmemory", (2 * (used + (1 << 20))).ToString(CultureInfo.InvariantCulture));
        try
        {
            var taskIds = Enumerable.Range(0, Tasks).Select(_ => BrokerFixture.NewTaskId()).ToArray();
            var issued = new System.Collections.Concurrent.ConcurrentBag<Grant>();
            RpcException? exhausted = null;
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                while (Volatile.Read(ref exhausted) is null && !stop.IsCancellationRequested)
                {
                    var i = Interlocked.Increment(ref next);
                    try
                    {
                        issued.Add(await GrantAsync(broker, taskIds[i % Tasks]));
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                    {
                        Interlocked.CompareExchange(ref exhausted, e, null);
                    }
                    catch (RpcException e)
                    {
                        Assert.Fail($"before the watermark a grant was refused with {e.Status} after {issued.Count} grants; " + string.Join(" | ", broker.Logs.Entries.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Select(l => l.Message + " " + l.Error?.Message)));
                    }
                }
            })));

            Assert.That(exhausted, Is.Not.Null, "grants must stop at the watermark");
            Assert.That(exhausted!.Status.Detail, Does.Contain("CredBroker:RedisMemoryWatermark = 50%"));
            Assert.That(await ReadinessAsync(broker), Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(await LiveGrantRecordsAsync(broker), Is.EqualTo(issued.Count), "live grant records = tokens answered OK");
            TestContext.Out.WriteLine($"{issued.Count} grants before the watermark");

            var revocations = await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                var done = 0;
                for (var i = w; i < Tasks; i += 8)
                {
                    await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskIds[i] }, broker.As(TestPolicy.Orchestrator));
                    done++;
                }

                return done;
            })));
            Assert.That(revocations.Sum(), Is.EqualTo(Tasks));
            var killSwitch = await broker.Admin.EngageKillSwitchAsync(new KillSwitchRequest { Reason = "flood" }, broker.As(TestPolicy.Operator));
            Assert.That(killSwitch.Engaged, Is.True);
            Assert.That(killSwitch.DurabilityNotConfirmed, Is.Empty, "below maxmemory the store takes it durably");

            foreach (var grant in issued)
            {
                Assert.That((await verifier.Verifier.ValidateAsync(grant.AccessToken, "tickets.read")).IsValid, Is.False, grant.GrantId);
            }
        }
        finally
        {
            await ConfigSetAsync("maxmemory", "0");
        }
    }

    [Test]
    public async Task With_Redis_full_the_kill_switch_engages_in_memory_and_is_stored_once_Redis_takes_writes()
    {
        var prefix = NewPrefix();
        await using var broker = await StartBrokerAsync(prefix: prefix);
        await using var verifier = await VerifierHarness.StartAsync(broker);
        var grants = new List<Grant>();
        for (var i = 0; i < 5; i++)
        {
            grants.Add(await GrantAsync(broker));
        }

        foreach (var grant in grants)
        {
            // Seen before, as a busy tool server has: the cached path must honour the kill switch too.
            Assert.That((await verifier.Verifier.ValidateAsync(grant.AccessToken, "tickets.read")).IsValid, Is.True);
        }

        var used = await UsedMemoryAsync();
        await ConfigSetAsync("maxmemory", (used / 2).ToString(CultureInfo.InvariantCulture));
        KillSwitchState engaged;
        try
        {
            engaged = await broker.Admin.EngageKillSwitchAsync(new KillSwitchRequest { Reason = "store full" }, broker.As(TestPolicy.Operator));
            Assert.That(engaged.Engaged, Is.True);
            Assert.That(engaged.DurabilityNotConfirmed, Does.Contain("memory only"), "the reply says it is not durable yet");

            // Pushed before the reply left: the verifier has it by now, give or take the stream's hop.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Verifier.Tests.Eventually.TrueAsync(
                async () => (await Task.WhenAll(grants.Select(g => verifier.Verifier.ValidateAsync(g.AccessToken, "tickets.read")))).All(r => r.Failure == Core.Tokens.TokenFailure.Revoked),
                TimeSpan.FromMilliseconds(100),
                "the connected verifier to refuse every token");
            TestContext.Out.WriteLine($"verifier refused every token {clock.ElapsedMilliseconds} ms after the reply");
            Assert.That((await broker.IntrospectAsync(grants[0].AccessToken)).Active, Is.False);
            Assert.That(async () => await GrantAsync(broker), Throws.TypeOf<RpcException>().With.Property(nameof(RpcException.StatusCode)).EqualTo(StatusCode.FailedPrecondition));
            Assert.That(await StoredKillSwitchAsync(prefix), Is.False, "Redis could not take it yet");
        }
        finally
        {
            await ConfigSetAsync("maxmemory", "0");
        }

        await Verifier.Tests.Eventually.TrueAsync(
            () => StoredKillSwitchAsync(prefix),
            Within,
            "the kill switch to be stored once Redis accepts writes");
        var status = await broker.Admin.GetKillSwitchAsync(new GetKillSwitchRequest(), broker.As(TestPolicy.Operator));
        Assert.That(status.Engaged, Is.True);
        Assert.That(await LiveGrantRecordsAsync(broker), Is.EqualTo(grants.Count), "live grant records = tokens answered OK");
        await broker.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest(), broker.As(TestPolicy.Operator));
        await ServedAgainAsync(broker);
    }

    /// <summary>Whether Redis holds this kill switch (not the generation rule, which shares its field).</summary>
    private Task<bool> StoredKillSwitchAsync(string prefix) => AdminAsync(async (_, db) =>
        ((string?)await db.HashGetAsync(RedisKeys.RevocationState(prefix), "All:"))?.Contains("store full", StringComparison.Ordinal) == true);

    private Task<long> UsedMemoryAsync() => AdminAsync(async (server, _) =>
        long.Parse((await server.InfoAsync("memory")).SelectMany(g => g).First(p => p.Key == "used_memory").Value, CultureInfo.InvariantCulture));
}
