using System.Net;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CredBroker.Verifier.Tests.Durability;

/// <summary>
/// Invariant 3 while serving: a safety setting that drifts under a running broker stops grants within the
/// check interval, with the setting named; revocations made meanwhile are in force at once and in Redis
/// once the setting is restored; restoring it brings grants back without a restart.
/// </summary>
[TestFixture]
public sealed class SafetyDriftTests : RedisFaultFixture
{
    [Test]
    public async Task Appendfsync_everysec_stops_grants_and_restoring_it_resumes_them() =>
        await DriftAsync(
            "appendfsync is 'everysec', needs 'always'",
            () => ConfigSetAsync("appendfsync", "everysec"),
            () => ConfigSetAsync("appendfsync", "always"));

    [Test]
    public async Task Maxmemory_policy_allkeys_lru_stops_grants_and_restoring_it_resumes_them() =>
        await DriftAsync(
            "maxmemory-policy is 'allkeys-lru', needs 'noeviction'",
            () => ConfigSetAsync("maxmemory-policy", "allkeys-lru"),
            () => ConfigSetAsync("maxmemory-policy", "noeviction"));

    /// <summary>
    /// The hardest drift: Redis comes back without AOF, so what it acknowledges lives in memory only. The
    /// fix is a crash and a start with AOF, which loads the older file: the revocation made meanwhile is
    /// lost there, and the broker writes it again.
    /// </summary>
    [Test]
    public async Task A_restart_with_appendonly_no_stops_grants_and_a_revocation_made_meanwhile_is_written_again()
    {
        await DriftAsync(
            "appendonly is 'no', needs 'yes'",
            async () =>
            {
                await Redis.StopAsync();
                await Redis.StartAsync("--appendonly", "no");
            },
            async () =>
            {
                await Redis.StopAsync();
                await Redis.StartAsync();
            });
    }

    private async Task DriftAsync(string named, Func<Task> drift, Func<Task> restore)
    {
        var prefix = NewPrefix();
        await using var broker = await StartBrokerAsync(prefix: prefix);
        await using var verifier = await VerifierHarness.StartAsync(broker);
        var taskId = BrokerFixture.NewTaskId();
        var before = await GrantAsync(broker, taskId);
        Assert.That(await ReadinessAsync(broker), Is.EqualTo(HttpStatusCode.OK));

        var issuedMeanwhile = new List<Grant>();
        await drift();
        try
        {
            var refused = await RefusedAsync(broker, StatusCode.Unavailable, named, issuedMeanwhile);
            Assert.That(refused.Status.Detail, Does.Contain("no token issued"));
            Assert.That(await ReadinessAsync(broker), Is.EqualTo(HttpStatusCode.ServiceUnavailable), "readiness follows the drift");

            var revoked = await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
            Assert.That(revoked.DurabilityNotConfirmed, Does.Contain(named), "the reply says durability is not confirmed, and why");
            await RefusedByVerifierAsync(verifier, before.AccessToken);
        }
        finally
        {
            await restore();
        }

        var after = await ServedAgainAsync(broker);
        Assert.That(await ReadinessAsync(broker), Is.EqualTo(HttpStatusCode.OK));
        await Verifier.Tests.Eventually.TrueAsync(() => TaskRevokedInRedisAsync(prefix, taskId), Within, "the revocation made during the drift to be in Redis");
        await RefusedByVerifierAsync(verifier, before.AccessToken);
        // Grants a check had not caught yet may have been answered OK: each counts, and nothing else does.
        Assert.That(await LiveGrantRecordsAsync(broker), Is.EqualTo(1 + issuedMeanwhile.Count), "live grant records = tokens answered OK whose task was not revoked");
        Assert.That((await verifier.Verifier.ValidateAsync(after.AccessToken, "tickets.read")).IsValid, Is.True);

        var drifted = broker.Logs.Entries.Where(e => e.Level == LogLevel.Critical && e.Message.Contains(named, StringComparison.Ordinal)).ToList();
        Assert.That(drifted, Has.Count.EqualTo(1), "one critical line per change of state, nothing per request");
    }
}
