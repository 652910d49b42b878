using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>
/// With Debug logging on, a broker driven through grants, refusals, failures and introspection never
/// writes an access token (nor its signature), an identity token, or private key material to a log line.
/// </summary>
public sealed class SecretFreeLogTests
{
    /// <summary>An audit device that is down, to drive the fail-closed path too.</summary>
    private sealed class FlakySink : IAuditSink
    {
        public bool Down { get; set; }

        public string Name => "flaky";

        public ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken) =>
            Down ? throw new AuditSinkUnavailableException("disk full") : ValueTask.FromResult(AuditChain.Seal(unsealed, 1, AuditCanonical.GenesisHash));

        public ValueTask<AuditHead> ReadHeadAsync(CancellationToken cancellationToken) =>
            Down ? throw new AuditSinkUnavailableException("disk full") : ValueTask.FromResult(new AuditHead(0, AuditCanonical.GenesisHash));
    }

    [Test]
    public async Task No_token_identity_token_or_private_key_appears_in_any_log_line()
    {
        var flaky = new FlakySink();
        await using var broker = await BrokerFixture.StartAsync(policy: TestPolicy.Yaml + AnomalyTests.Rules, services: s => s.AddSingleton<IAuditSink>(flaky));
        var secrets = new List<string>();
        string Identity(string spiffeId)
        {
            var token = broker.IdentityToken(spiffeId);
            secrets.Add(token);
            secrets.Add(token.Split('.')[2]);
            return token;
        }

        var agent = BrokerFixture.Bearer(Identity(TestPolicy.Support));
        var tool = BrokerFixture.Bearer(Identity(TestPolicy.Tool));
        var taskId = BrokerFixture.NewTaskId();
        var grants = new List<Grant>();
        for (var i = 0; i < 3; i++)
        {
            grants.Add((await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "answer the customer", Tools = { "tickets.read" } }, agent)).Grant);
        }

        foreach (var grant in grants)
        {
            secrets.Add(grant.AccessToken);
            secrets.Add(grant.AccessToken.Split('.')[2]);
        }

        // Refusals and failures: policy deny, bad input, a forged identity, the audit log down.
        Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "x", Tools = { "repo.read" } }, agent));
        Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = "bad task!", Purpose = "x", Tools = { "tickets.read" } }, agent));
        var forged = grants[0].AccessToken[..^4] + "AAAA";
        secrets.Add(forged);
        Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "x", Tools = { "tickets.read" } }, BrokerFixture.Bearer(forged)));
        flaky.Down = true;
        Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "x", Tools = { "tickets.read" } }, agent));
        flaky.Down = false;

        // Introspection of live, forged, garbage and released tokens; tool use reports; a revocation.
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = grants[0].AccessToken }, tool);
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = forged }, tool);
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = "not.a.token" }, tool);
        await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = grants[1].GrantId }, agent);
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = grants[1].AccessToken }, tool);
        await broker.Verify.RecordToolUseAsync(new RecordToolUseRequest { GrantId = grants[1].GrantId, Tool = "tickets.read", Action = "GET /t/1", Outcome = ToolUseReport.RejectedRevoked }, tool);
        await broker.Verify.RecordToolUseAsync(new RecordToolUseRequest { GrantId = grants[1].GrantId, Tool = "tickets.read", Action = "GET /t/1", Outcome = ToolUseReport.RejectedRevoked }, tool);
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, BrokerFixture.Bearer(Identity(TestPolicy.Orchestrator)));

        var keyMaterial = Directory.GetFiles(broker.Directory, "*.pem", SearchOption.AllDirectories)
            .SelectMany(File.ReadAllLines)
            .Where(line => line.Length >= 16 && !line.StartsWith("-----", StringComparison.Ordinal))
            .ToList();
        Assert.That(keyMaterial, Is.Not.Empty, "the broker's private keys were found to compare against");

        var lines = broker.Logs.Entries.Select(e => $"{e.Category} {e.Message} {e.Error}").ToList();
        Assert.That(lines, Has.Count.GreaterThan(20), "Debug logging captured the run");
        Assert.That(lines, Has.Some.Contains("No audit sink took event"), "the failure path was logged");
        Assert.That(lines, Has.Some.Contains("Anomaly rule revoked-token-replay fired"));
        foreach (var secret in secrets.Concat(keyMaterial))
        {
            Assert.That(lines.Where(l => l.Contains(secret, StringComparison.Ordinal)), Is.Empty, $"a log line holds a secret ({secret[..Math.Min(12, secret.Length)]}...)");
        }

        Assert.That(lines, Has.None.Contains("PRIVATE KEY"));
    }
}
