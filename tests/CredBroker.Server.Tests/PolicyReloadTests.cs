using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using System.Security.Cryptography;
using System.Text;
using CredBroker.Core.Audit;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>Hot reload: a valid new policy file takes effect for the next request; an invalid one is refused and logged, the old one stays.</summary>
public sealed class PolicyReloadTests
{
    private const string Agent = "spiffe://test.local/agents/support";

    private const string Before = """
        version: 1
        tools:
          - { name: tickets.read, audience: https://tickets.test }
          - { name: tickets.write, audience: https://tickets.test }
        workloads:
          - { name: support-agent, id: "spiffe://test.local/agents/support", owner: team-support, tools: [tickets.read] }
        """;

    private static readonly string After = Before.Replace("tools: [tickets.read] }", "tools: [tickets.read, tickets.write] }", StringComparison.Ordinal);

    private static readonly Dictionary<string, string?> FastCheck = new() { ["CredBroker:PolicyCheckInterval"] = "00:00:00.200" };

    private static async Task<StatusCode> WriteAsync(BrokerFixture broker)
    {
        try
        {
            await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.write" } }, broker.As(Agent));
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    /// <summary>Polls until <paramref name="done"/> holds; fails after 20 s.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await done())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), what);
            await Task.Delay(50);
        }
    }

    private static async Task ReplaceAsync(string path, string text)
    {
        // As editors and config management do: write beside, then rename over the file.
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    [Test]
    public async Task Replicas_reading_one_file_each_take_a_valid_new_policy_for_the_next_request()
    {
        await using var a = await BrokerFixture.StartAsync(policy: Before, settings: FastCheck);
        await using var b = await BrokerFixture.StartAsync(directory: a.Directory, policy: Before, settings: FastCheck);
        Assert.That(await WriteAsync(a), Is.EqualTo(StatusCode.PermissionDenied));

        await ReplaceAsync(Path.Combine(a.Directory, "policy.yaml"), After);

        await EventuallyAsync(async () => await WriteAsync(a) == StatusCode.OK, "replica a never took the new policy");
        await EventuallyAsync(async () => await WriteAsync(b) == StatusCode.OK, "replica b never took the new policy");
        Assert.That(a.Logs.Entries.Select(e => e.Message), Has.Some.Contains("reloaded: 2 tools, 1 workloads"));
    }

    [Test]
    public async Task An_invalid_policy_file_is_refused_with_its_problems_and_the_old_policy_stays()
    {
        await using var broker = await BrokerFixture.StartAsync(policy: After, settings: FastCheck);
        var path = Path.Combine(broker.Directory, "policy.yaml");
        broker.Logs.ExpectErrors(e => e.Contains("was refused; the previous policy stays in force", StringComparison.Ordinal));

        await File.WriteAllTextAsync(path, After.Replace("owner: team-support", "owner: team-support, colour: blue", StringComparison.Ordinal));
        await EventuallyAsync(() => Task.FromResult(broker.Logs.Errors.Any()), "the bad file was never noticed");

        var error = broker.Logs.Errors.Single();
        Assert.That(error, Does.Contain("was refused; the previous policy stays in force"));
        Assert.That(error, Does.Contain($"{path}:6: unknown key 'colour'"));
        Assert.That(await WriteAsync(broker), Is.EqualTo(StatusCode.OK), "the old policy is still in force");

        // The same bad content is not reported again at every check; a fix is taken.
        await ReplaceAsync(path, Before);
        await EventuallyAsync(async () => await WriteAsync(broker) == StatusCode.PermissionDenied, "the fixed file was never taken");
        Assert.That(broker.Logs.Errors.Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task A_reload_may_not_raise_the_max_ttl_the_signing_keys_were_sized_for()
    {
        await using var broker = await BrokerFixture.StartAsync(policy: After, settings: FastCheck);
        var path = Path.Combine(broker.Directory, "policy.yaml");

        broker.Logs.ExpectErrors(e => e.Contains("limits.maxTtl may not grow", StringComparison.Ordinal));
        await ReplaceAsync(path, "limits: { maxTtl: 1h }\n" + Before);
        await EventuallyAsync(() => Task.FromResult(broker.Logs.Errors.Any()), "the longer max TTL was never noticed");

        Assert.That(broker.Logs.Errors.Single(), Does.Contain("limits.maxTtl may not grow above 15m without a restart"));
        Assert.That(await WriteAsync(broker), Is.EqualTo(StatusCode.OK), "the old policy is still in force");
    }

    [Test]
    public async Task Each_reload_taken_or_refused_is_one_audit_event_naming_the_file_and_its_hash()
    {
        await using var broker = await BrokerFixture.StartAsync(policy: Before, settings: FastCheck);
        var path = Path.Combine(broker.Directory, "policy.yaml");
        var feed = broker.Services.GetRequiredService<AuditFeed>();
        broker.Logs.ExpectErrors(e => e.Contains("was refused; the previous policy stays in force", StringComparison.Ordinal));

        async Task<List<AuditRecord>> PolicyEventsAsync()
        {
            var events = new List<AuditRecord>();
            await foreach (var record in feed.ReadAsync(new AuditQuery(null, null, null, false, 0), CancellationToken.None))
            {
                if (record.Event.Kind.StartsWith("policy.", StringComparison.Ordinal))
                {
                    events.Add(record);
                }
            }

            return events;
        }

        await ReplaceAsync(path, After);
        await EventuallyAsync(async () => (await PolicyEventsAsync()).Count == 1, "the taken reload was never audited");
        await ReplaceAsync(path, After.Replace("owner: team-support", "owner: team-support, colour: blue", StringComparison.Ordinal));
        await EventuallyAsync(async () => (await PolicyEventsAsync()).Count == 2, "the refused reload was never audited");

        var events = await PolicyEventsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(events[0].Event.Kind, Is.EqualTo(AuditKinds.PolicyReloaded));
            Assert.That(events[0].Event.Evidence["path"], Is.EqualTo(path));
            Assert.That(events[0].Event.Evidence["sha256"], Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(After)))));
            Assert.That(events[1].Event.Kind, Is.EqualTo(AuditKinds.PolicyReloadRefused));
            Assert.That(events[1].Event.Reason, Does.Contain("unknown key 'colour'"));
        });
    }
}
