using CredBroker.Core.Audit;
using CredBroker.Testing.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using StackExchange.Redis;
using static CredBroker.Redis.Tests.RedisStores;

namespace CredBroker.Redis.Tests;

/// <summary>
/// The Redis audit sink commits events in batches: many callers at once still get one unbroken chain,
/// each caller its own sealed event, and nobody a seal Redis did not acknowledge.
/// </summary>
[TestFixture]
public sealed class RedisAuditSinkTests
{
    [Test]
    public async Task Concurrent_appends_from_two_sinks_form_one_chain_each_caller_holding_its_own_event()
    {
        await using var redis = await ConnectAsync(await SharedRedis.GetEndpointAsync());
        var prefix = $"audit-{Guid.NewGuid():N}:";
        var a = Sink(redis, prefix);
        var b = Sink(redis, prefix);

        var appended = await Task.WhenAll(Enumerable.Range(0, 600).Select(i => Task.Run(async () =>
            (Id: $"ev-{i}", Sealed: await (i % 3 == 0 ? b : a).AppendAsync(Unsealed($"ev-{i}"), default)))));
        var stored = (await a.ReadAsync(null, 10_000, default)).Select(r => r.Event).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(stored.Select(e => e.Seq), Is.EqualTo(Enumerable.Range(1, 600).Select(i => (long)i)));
            Assert.That(AuditChain.Verify(stored), Is.Null);
            Assert.That(appended.Select(x => x.Sealed.Id), Is.EqualTo(appended.Select(x => x.Id)), "each caller gets its own event back");
            Assert.That(appended.Select(x => x.Sealed.Hash), Is.EquivalentTo(stored.Select(e => e.Hash)), "and exactly what Redis holds");
        });
    }

    [Test]
    public async Task While_Redis_is_down_every_waiting_caller_fails_and_the_chain_goes_on_after()
    {
        await using var server = await RedisServer.StartNewAsync();
        await using var redis = await ConnectAsync(server.Endpoint);
        var sink = Sink(redis, string.Empty);
        var first = await sink.AppendAsync(Unsealed("before"), default);

        await server.StopAsync();
        var during = Enumerable.Range(0, 50).Select(i => sink.AppendAsync(Unsealed($"during-{i}"), default).AsTask()).ToList();
        foreach (var call in during)
        {
            Assert.That(async () => await call, Throws.TypeOf<AuditSinkUnavailableException>());
        }

        await server.StartAsync();
        var after = await EventuallyAsync(async () =>
        {
            try
            {
                return await sink.AppendAsync(Unsealed("after"), default);
            }
            catch (AuditSinkUnavailableException e)
            {
                throw new Core.Storage.BrokerStoreUnavailableException(e.Message, e);
            }
        }, TimeSpan.FromSeconds(10));
        var stored = (await sink.ReadAsync(null, 100, default)).Select(r => r.Event).ToList();

        Assert.That(stored.Select(e => e.Id), Is.EqualTo(new[] { first.Id, after.Id }), "no event of a failed append was written");
        Assert.That(AuditChain.Verify(stored), Is.Null);
    }

    private static RedisAuditSink Sink(IConnectionMultiplexer redis, string prefix) =>
        new(redis, Options.Create(new RedisStoreOptions { KeyPrefix = prefix }), Options.Create(new RedisAuditOptions()), NullLogger<RedisAuditSink>.Instance);

    private static AuditEvent Unsealed(string id) => new(
        0, id, DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000), AuditKinds.GrantIssued, "allow", "spiffe://example.org/agent/a", string.Empty,
        "spiffe://example.org/agent/a", "alice@example.org", "task-1", "triage", ["db.read"], "g_x", string.Empty, new Dictionary<string, string>(), string.Empty, string.Empty);
}
