using System.Text.Json;
using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Redis;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;
using CredBroker.Testing.Redis;
using StackExchange.Redis;

namespace CredBroker.Cli.Tests;

/// <summary>
/// <c>credbroker audit verify</c> and <c>tail</c> through the real binary: an intact log verifies, and
/// one edited, deleted or reordered event, in the broker's Redis stream or in an exported file, is
/// named as the first broken link with exit code 1.
/// </summary>
public sealed class AuditCommandTests
{
    private static Task<CliRun> As(BrokerFixture broker, string spiffeId, params string[] args) => Credbroker.RunAsync(
        new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = broker.Address.ToString(), ["CREDBROKER_TOKEN"] = broker.IdentityToken(spiffeId) },
        null,
        args);

    private static async Task<List<string>> GrantsAsync(BrokerFixture broker, int count)
    {
        var tasks = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var taskId = BrokerFixture.NewTaskId();
            tasks.Add(taskId);
            await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "read a ticket", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support));
        }

        return tasks;
    }

    [Test]
    public async Task Verify_passes_on_an_intact_log_and_tail_filters_by_task()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var tasks = await GrantsAsync(broker, 3);

        var verify = await As(broker, TestPolicy.Operator, "audit", "verify", "--output", "json");
        Assert.That(verify.ExitCode, Is.Zero, verify.ToString());
        using (var report = JsonDocument.Parse(verify.Stdout))
        {
            Assert.That(report.RootElement.GetProperty("intact").GetBoolean(), Is.True);
            Assert.That(report.RootElement.GetProperty("checked").GetInt64(), Is.EqualTo(3));
        }

        var tail = await As(broker, TestPolicy.Operator, "audit", "tail", "--task", tasks[1], "--output", "json");
        Assert.That(tail.ExitCode, Is.Zero, tail.ToString());
        var lines = tail.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Select(l => AuditCanonical.Parse(l).TaskId), Is.EqualTo(new[] { tasks[1] }));

        var people = await As(broker, TestPolicy.Operator, "audit", "tail", "--workload", TestPolicy.Support);
        Assert.That(people.ExitCode, Is.Zero, people.ToString());
        Assert.That(people.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3));
        Assert.That(people.Stdout, Does.Contain("grant.issued allow caller=" + TestPolicy.Support));
    }

    [Test]
    public async Task Tail_needs_the_operator_role()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var run = await As(broker, TestPolicy.Support, "audit", "tail");
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stderr, Does.Contain("PERMISSION_DENIED"));
    }

    public enum Tamper
    {
        Edit,
        Delete,
        Reorder,
    }

    /// <summary>What each tampering leaves as the first event that no longer links, given the original events in order.</summary>
    private static string ExpectedBreak(Tamper tamper, List<AuditEvent> original) => tamper switch
    {
        Tamper.Edit => original[2].Id,
        Tamper.Delete => original[3].Id,
        _ => original[3].Id,
    };

    private static List<string> Apply(Tamper tamper, List<string> lines)
    {
        var changed = new List<string>(lines);
        switch (tamper)
        {
            case Tamper.Edit:
                changed[2] = changed[2].Replace("\"decision\":\"allow\"", "\"decision\":\"permission_denied\"", StringComparison.Ordinal);
                Assert.That(changed[2], Is.Not.EqualTo(lines[2]));
                break;
            case Tamper.Delete:
                changed.RemoveAt(2);
                break;
            default:
                (changed[2], changed[3]) = (changed[3], changed[2]);
                break;
        }

        return changed;
    }

    [TestCase(Tamper.Edit)]
    [TestCase(Tamper.Delete)]
    [TestCase(Tamper.Reorder)]
    public async Task Verify_names_the_first_broken_link_of_a_tampered_file(Tamper tamper)
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-audit-cli-").FullName;
        var file = Path.Combine(directory, "audit.jsonl");
        List<string> lines;
        await using (var broker = await BrokerFixture.StartAsync(directory: directory, settings: new Dictionary<string, string?> { ["CredBroker:Audit:File"] = file }))
        {
            await GrantsAsync(broker, 5);
            await broker.StopAsync();
            lines = (await File.ReadAllLinesAsync(file)).ToList();
        }

        var copy = Path.Combine(Path.GetTempPath(), "credbroker-audit-" + Guid.NewGuid().ToString("N") + ".jsonl");
        var original = lines.Select(AuditCanonical.Parse).ToList();
        await File.WriteAllLinesAsync(copy, lines);
        var intact = await Credbroker.RunAsync("audit", "verify", "--file", copy);
        Assert.That(intact.ExitCode, Is.Zero, intact.ToString());

        await File.WriteAllLinesAsync(copy, Apply(tamper, lines));
        var run = await Credbroker.RunAsync("audit", "verify", "--file", copy);
        File.Delete(copy);

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stdout, Does.Contain(ExpectedBreak(tamper, original)), run.ToString());
        Assert.That(run.Stderr, Does.Contain("broken link at event " + ExpectedBreak(tamper, original)));
    }

    [TestCase(Tamper.Edit)]
    [TestCase(Tamper.Delete)]
    [TestCase(Tamper.Reorder)]
    public async Task Verify_names_the_first_broken_link_of_a_tampered_Redis_stream(Tamper tamper)
    {
        var endpoint = await SharedRedis.GetEndpointAsync();
        var prefix = "audit-cli-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var broker = await BrokerFixture.StartAsync(endpoint, redisKeyPrefix: prefix);
        await GrantsAsync(broker, 5);
        var intact = await As(broker, TestPolicy.Operator, "audit", "verify");
        Assert.That(intact.ExitCode, Is.Zero, intact.ToString());

        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var db = redis.GetDatabase();
        var key = RedisKeys.AuditLog(prefix);
        var entries = await db.StreamRangeAsync(key);
        var lines = entries.Select(e => (string)e["e"]!).ToList();
        var original = lines.Select(AuditCanonical.Parse).ToList();
        if (tamper == Tamper.Delete)
        {
            await db.StreamDeleteAsync(key, [entries[2].Id]);
        }
        else
        {
            // A stream entry cannot be changed in place: an attacker rewrites the stream with the same ids.
            var changed = Apply(tamper, lines);
            await db.KeyDeleteAsync(key);
            for (var i = 0; i < entries.Length; i++)
            {
                await db.StreamAddAsync(key, "e", changed[i], entries[i].Id);
            }
        }

        var run = await As(broker, TestPolicy.Operator, "audit", "verify");
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Stdout, Does.Contain(ExpectedBreak(tamper, original)), run.ToString());
    }
}
