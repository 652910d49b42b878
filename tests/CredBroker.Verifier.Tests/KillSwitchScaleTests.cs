using System.Diagnostics;
using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Redis;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// Issue 5's measurement: the kill switch over 100,000 live grants in Redis is one write, and a verifier
/// following the broker refuses a token that was live a moment before. Explicit: it fills Redis for a while.
/// Run: <c>dotnet test tests/CredBroker.Verifier.Tests -c Release --filter "FullyQualifiedName~KillSwitchScale" --logger "console;verbosity=detailed"</c>.
/// </summary>
[Explicit("fills Redis with 100,000 grants; a measurement, run by hand")]
[Category("Scale")]
public sealed class KillSwitchScaleTests
{
    private const int LiveGrants = 100_000;

    [Test]
    public async Task Kill_switch_over_100000_live_grants_is_one_write_and_reaches_the_verifier()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var broker = await BrokerFixture.StartAsync(redis.Endpoint);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint + ",allowAdmin=true");
        var filled = await FillAsync(connection);
        var server = connection.GetServers().Single();
        await using var verifier = await VerifierHarness.StartAsync(broker);
        var grant = await broker.GrantAsync();
        Assert.That((await verifier.Verifier.ValidateAsync(grant.AccessToken, "tickets.read")).IsValid, Is.True);
        var keysBefore = await server.DatabaseSizeAsync();
        var logBefore = await connection.GetDatabase().StreamLengthAsync(RedisKeys.RevocationLog(string.Empty));
        await server.ExecuteAsync("CONFIG", "RESETSTAT");

        var clock = Stopwatch.StartNew();
        await broker.Admin.EngageKillSwitchAsync(new KillSwitchRequest { Reason = "scale" }, broker.As(TestPolicy.Operator));
        var engaged = clock.Elapsed;
        while ((await verifier.Verifier.ValidateAsync(grant.AccessToken, "tickets.read")).Failure != TokenFailure.Revoked)
        {
            Assert.That(clock.Elapsed, Is.LessThan(Brokers.StalenessBound + engaged), "the verifier did not refuse within the staleness bound");
            await Task.Delay(1);
        }

        var refused = clock.Elapsed - engaged;
        var commands = (await server.InfoAsync("commandstats")).SelectMany(g => g).Select(p => $"{p.Key}={p.Value}").ToList();
        var logAfter = await connection.GetDatabase().StreamLengthAsync(RedisKeys.RevocationLog(string.Empty));
        var keysAfter = await server.DatabaseSizeAsync();
        await TestContext.Out.WriteLineAsync($"{LiveGrants} live grants filled in {filled.TotalSeconds:0.0} s; {keysBefore} keys");
        await TestContext.Out.WriteLineAsync($"EngageKillSwitch returned after {engaged.TotalMilliseconds:0.0} ms; the verifier refused the live token {refused.TotalMilliseconds:0.0} ms after that");
        await TestContext.Out.WriteLineAsync($"revocation log entries +{logAfter - logBefore}, keys +{keysAfter - keysBefore}; commands since RESETSTAT: {string.Join(", ", commands)}");

        Assert.That(logAfter - logBefore, Is.EqualTo(1), "one rule, whatever the number of grants");
        Assert.That(commands.Count(c => c.StartsWith("cmdstat_eval", StringComparison.Ordinal) || c.StartsWith("cmdstat_evalsha", StringComparison.Ordinal)), Is.EqualTo(1), "one script call");
        Assert.That(keysAfter - keysBefore, Is.LessThanOrEqualTo(1), "no key per grant (at most the standing-rule hash is new)");
        Assert.That((await broker.IntrospectAsync(grant.AccessToken)).Active, Is.False);
        await broker.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest(), broker.As(TestPolicy.Operator));
    }

    /// <summary>Live grants through the production store code (the Lua insert a RequestGrant runs), many in flight.</summary>
    private static async Task<TimeSpan> FillAsync(IConnectionMultiplexer connection)
    {
        var store = new RedisBrokerStore(connection, Options.Create(new RedisStoreOptions { Timeout = TimeSpan.FromSeconds(30) }), Options.Create(new StoreOptions()), NullLogger<RedisBrokerStore>.Instance);
        var clock = Stopwatch.StartNew();
        long next = -1;
        await Task.WhenAll(Enumerable.Range(0, 256).Select(async _ =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < LiveGrants)
            {
                var draft = new GrantDraft(GrantIds.New(), $"t-scale-{i / 10}", TestPolicy.Support, "team-support", "scale", ["tickets.read"], VerifierHarness.Audience, TimeSpan.FromMinutes(10), NotAfter: null);
                var result = await store.InsertGrantAsync(draft, requireOpenTask: false, CancellationToken.None);
                Assert.That(result, Is.InstanceOf<GrantInsertResult.Inserted>());
            }
        }));
        return clock.Elapsed;
    }
}
