using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>The Redis stream shared by replicas and the JSON-lines file each hold one unbroken chain.</summary>
public sealed class AuditSinkTests
{
    private static RequestGrantRequest Request(string taskId) => new() { TaskId = taskId, Purpose = "read a ticket", Tools = { "tickets.read" } };

    private static async Task<List<AuditEvent>> ReadAllAsync(BrokerFixture broker) =>
        (await broker.Services.GetRequiredService<IAuditReader>().ReadAsync(null, 100_000, CancellationToken.None)).Select(r => r.Event).ToList();

    [Test]
    public async Task Two_replicas_on_one_Redis_append_to_one_chain_without_forking()
    {
        var redis = await SharedRedis.GetEndpointAsync();
        var prefix = "audit-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var a = await BrokerFixture.StartAsync(redis, redisKeyPrefix: prefix);
        await using var b = await BrokerFixture.StartAsync(redis, directory: null, redisKeyPrefix: prefix);

        var calls = Enumerable.Range(0, 100).Select(async i =>
        {
            var on = i % 2 == 0 ? a : b;
            await on.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), on.As(TestPolicy.Support));
        });
        await Task.WhenAll(calls);

        var events = await ReadAllAsync(a);
        var seenByB = await ReadAllAsync(b);
        Assert.Multiple(() =>
        {
            Assert.That(events.Count(e => e.Kind == AuditKinds.GrantIssued), Is.EqualTo(100));
            Assert.That(events.Select(e => e.Seq), Is.EqualTo(Enumerable.Range(1, events.Count).Select(i => (long)i)));
            Assert.That(AuditChain.Verify(events), Is.Null);
            Assert.That(seenByB.Select(e => e.Hash), Is.EqualTo(events.Select(e => e.Hash)));
        });
    }

    [Test]
    public async Task The_file_sink_writes_a_verifiable_chain_and_continues_it_after_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-audit-").FullName;
        var file = Path.Combine(directory, "audit", "events.jsonl");
        var settings = new Dictionary<string, string?> { ["CredBroker:Audit:File"] = file };
        var first = await BrokerFixture.StartAsync(directory: directory, settings: settings);
        await first.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), first.As(TestPolicy.Support));
        await first.Grants.RequestGrantAsync(Request(BrokerFixture.NewTaskId()), first.As(TestPolicy.Support));
        await first.StopAsync();

        await using var second = await BrokerFixture.StartAsync(directory: directory, settings: settings);
        var taskId = BrokerFixture.NewTaskId();
        await second.Grants.RequestGrantAsync(Request(taskId), second.As(TestPolicy.Support));

        var lines = await File.ReadAllLinesAsync(file);
        var events = lines.Select(AuditCanonical.Parse).ToList();
        Assert.Multiple(() =>
        {
            // The first broker signed its head when it stopped; the second continued after that checkpoint.
            Assert.That(events.Select(e => e.Kind), Is.EqualTo(new[] { AuditKinds.GrantIssued, AuditKinds.GrantIssued, AuditKinds.Checkpoint, AuditKinds.GrantIssued }));
            Assert.That(events.Select(e => e.Seq), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
            Assert.That(events[3].TaskId, Is.EqualTo(taskId));
            Assert.That(AuditChain.Verify(events), Is.Null);
        });
    }
}
