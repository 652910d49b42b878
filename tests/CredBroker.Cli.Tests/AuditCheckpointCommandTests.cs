using System.Text.Json;
using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Redis;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;
using CredBroker.Testing.Redis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CredBroker.Cli.Tests;

/// <summary>
/// <c>credbroker audit verify</c> against someone who can rewrite the log but does not hold the audit
/// key: a history recomputed after an edit fails on the signed checkpoint, the newest event removed
/// from Redis fails on the chain head, and a head noted earlier (<c>--expect-head</c>) must still be there.
/// </summary>
public sealed class AuditCheckpointCommandTests
{
    /// <summary>Checkpoints only when a test writes one, so none lands at a moment the test did not choose.</summary>
    private static readonly Dictionary<string, string?> Manual = new() { ["CredBroker:Audit:CheckpointInterval"] = "01:00:00" };

    private static Task<CliRun> As(BrokerFixture broker, params string[] args) => Credbroker.RunAsync(
        new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = broker.Address.ToString(), ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Operator) },
        null,
        args);

    private static async Task GrantsAsync(BrokerFixture broker, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "read a ticket", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support));
        }
    }

    /// <summary>Three grants, a checkpoint (seq 4, attesting seq 3), two more grants.</summary>
    private static async Task HistoryAsync(BrokerFixture broker)
    {
        await GrantsAsync(broker, 3);
        await broker.Services.GetRequiredService<AuditCheckpointWriter>().WriteAsync(CancellationToken.None);
        await GrantsAsync(broker, 2);
    }

    /// <summary>What an attacker without the audit key can do: edit event 1 and reseal every event after it, checkpoints included.</summary>
    private static List<string> Rewrite(List<string> lines)
    {
        var rewritten = new List<string>();
        var prevHash = AuditCanonical.GenesisHash;
        foreach (var (e, i) in lines.Select(AuditCanonical.Parse).Select((e, i) => (e, i)))
        {
            var changed = i == 0 ? e with { Decision = "permission_denied" } : e;
            var resealed = AuditChain.Seal(changed, e.Seq, prevHash);
            prevHash = resealed.Hash;
            rewritten.Add(AuditCanonical.ToJson(resealed));
        }

        Assert.That(AuditChain.Verify(rewritten.Select(AuditCanonical.Parse)), Is.Null, "the rewritten chain is consistent in itself");
        return rewritten;
    }

    private static string CheckpointId(IEnumerable<string> lines) => lines.Select(AuditCanonical.Parse).Single(e => e.Kind == AuditKinds.Checkpoint).Id;

    [Test]
    public async Task A_history_recomputed_after_editing_event_1_fails_verify_on_the_signed_checkpoint_in_Redis()
    {
        var endpoint = await SharedRedis.GetEndpointAsync();
        var prefix = "audit-cp-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var broker = await BrokerFixture.StartAsync(endpoint, redisKeyPrefix: prefix, settings: Manual);
        await HistoryAsync(broker);

        var intact = await As(broker, "audit", "verify", "--output", "json");
        Assert.That(intact.ExitCode, Is.Zero, intact.ToString());
        using (var report = JsonDocument.Parse(intact.Stdout))
        {
            Assert.That(report.RootElement.GetProperty("checkpoints").GetInt64(), Is.EqualTo(1));
            Assert.That(report.RootElement.GetProperty("checkpoints_checked").GetBoolean(), Is.True);
            Assert.That(report.RootElement.GetProperty("signed_through").GetInt64(), Is.EqualTo(3));
        }

        // The attacker rewrites the stream with the same ids, and the chain-head key to match.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var db = redis.GetDatabase();
        var key = RedisKeys.AuditLog(prefix);
        var entries = await db.StreamRangeAsync(key);
        var rewritten = Rewrite(entries.Select(e => (string)e["e"]!).ToList());
        await db.KeyDeleteAsync(key);
        for (var i = 0; i < entries.Length; i++)
        {
            await db.StreamAddAsync(key, "e", rewritten[i], entries[i].Id);
        }

        var last = AuditCanonical.Parse(rewritten[^1]);
        await db.HashSetAsync(RedisKeys.AuditHead(prefix), [new HashEntry("seq", last.Seq), new HashEntry("hash", last.Hash)]);

        var run = await As(broker, "audit", "verify");
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stderr, Does.Contain("checkpoint " + CheckpointId(rewritten)).And.Contain("rewritten"), run.ToString());
    }

    [Test]
    public async Task A_history_recomputed_after_editing_event_1_fails_verify_on_the_signed_checkpoint_in_a_file()
    {
        // Apart from the broker's directory, which goes when the broker is disposed.
        var directory = Directory.CreateTempSubdirectory("credbroker-audit-cp-").FullName;
        var file = Path.Combine(directory, "audit.jsonl");
        var keys = Path.Combine(directory, "audit-keys.json");
        await using (var broker = await BrokerFixture.StartAsync(settings: new Dictionary<string, string?>(Manual) { ["CredBroker:Audit:File"] = file }))
        {
            await HistoryAsync(broker);
            await File.WriteAllTextAsync(keys, await broker.Http.GetStringAsync("/.well-known/audit-keys.json"));
            await broker.StopAsync();
        }

        var lines = (await File.ReadAllLinesAsync(file)).ToList();
        Assert.That(AuditCanonical.Parse(lines[^1]).Kind, Is.EqualTo(AuditKinds.Checkpoint), "a stopped broker's log ends with a checkpoint");
        var intact = await Credbroker.RunAsync("audit", "verify", "--file", file, "--audit-keys", keys);
        Assert.That(intact.ExitCode, Is.Zero, intact.ToString());

        var copy = Path.Combine(directory, "rewritten.jsonl");
        var rewritten = Rewrite(lines);
        await File.WriteAllLinesAsync(copy, rewritten);
        var run = await Credbroker.RunAsync("audit", "verify", "--file", copy, "--audit-keys", keys);
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        var first = rewritten.Select(AuditCanonical.Parse).First(e => e.Kind == AuditKinds.Checkpoint).Id;
        Assert.That(run.Stderr, Does.Contain("checkpoint " + first).And.Contain("rewritten"), run.ToString());
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public async Task Deleting_the_newest_event_from_Redis_fails_verify_on_the_chain_head()
    {
        var endpoint = await SharedRedis.GetEndpointAsync();
        var prefix = "audit-cp-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var broker = await BrokerFixture.StartAsync(endpoint, redisKeyPrefix: prefix, settings: Manual);
        await HistoryAsync(broker);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var db = redis.GetDatabase();
        var key = RedisKeys.AuditLog(prefix);
        var entries = await db.StreamRangeAsync(key);
        await db.StreamDeleteAsync(key, [entries[^1].Id]);
        Assert.That(AuditChain.Verify(entries[..^1].Select(e => AuditCanonical.Parse((string)e["e"]!))), Is.Null, "what is left is a consistent chain");

        var run = await As(broker, "audit", "verify");
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stderr, Does.Contain("the log ends at seq 5, but the store's chain head is seq 6"), run.ToString());
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Verify_holds_the_log_to_an_expected_head(bool redis)
    {
        var endpoint = redis ? await SharedRedis.GetEndpointAsync() : null;
        var prefix = "audit-cp-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var broker = await BrokerFixture.StartAsync(endpoint, redisKeyPrefix: prefix, settings: Manual);
        await HistoryAsync(broker);

        var first = await As(broker, "audit", "verify", "--output", "json");
        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        string head;
        using (var report = JsonDocument.Parse(first.Stdout))
        {
            head = $"{report.RootElement.GetProperty("last_seq").GetInt64()}:{report.RootElement.GetProperty("last_hash").GetString()}";
        }

        await GrantsAsync(broker, 1);
        var still = await As(broker, "audit", "verify", "--expect-head", head);
        Assert.That(still.ExitCode, Is.Zero, still.ToString());

        var wrongHash = await As(broker, "audit", "verify", "--expect-head", head.Split(':')[0] + ":" + new string('a', 64));
        Assert.That(wrongHash.ExitCode, Is.EqualTo(1), wrongHash.ToString());
        Assert.That(wrongHash.Stderr, Does.Contain("the expected head hash " + new string('a', 64)));

        var beyond = await As(broker, "audit", "verify", "--expect-head", "99:" + new string('a', 64));
        Assert.That(beyond.ExitCode, Is.EqualTo(1), beyond.ToString());
        Assert.That(beyond.Stderr, Does.Contain("the expected head is seq 99: the newest events were removed"));

        var malformed = await As(broker, "audit", "verify", "--expect-head", "six");
        Assert.That(malformed.ExitCode, Is.EqualTo(2), malformed.ToString());
        Assert.That(malformed.Stderr, Does.Contain("--expect-head"));
    }
}
