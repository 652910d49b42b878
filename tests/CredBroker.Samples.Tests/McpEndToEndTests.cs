using System.Text.Json;
using System.Text.RegularExpressions;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;

namespace CredBroker.Samples.Tests;

/// <summary>
/// The MCP samples as samples/README.md runs them, each its own process, against a real broker: the agent knows
/// only the MCP server's URL and its JWT-SVID; it gets 401, discovers the broker (RFC 9728, RFC 8414), gets a
/// token with the jwt-bearer grant and <c>resource</c>, and calls tools; a tool outside its grant is 403
/// <c>insufficient_scope</c>, the token is refused at a second MCP server, and after RevokeTask the next call fails.
/// </summary>
public sealed class McpEndToEndTests
{
    private const string Tickets = "https://tickets.mcp.test";
    private const string Git = "https://git.mcp.test";

    private static readonly string Policy = $$"""
        version: 1
        limits: { maxTtl: 10m, defaultTtl: 2m }
        tools:
          - { name: tickets.read, audience: {{Tickets}} }
          - { name: tickets.comment, audience: {{Tickets}} }
          - { name: repo.read, audience: {{Git}} }
        audiences:
          {{Tickets}}: { servers: [spiffe://test.local/tools/tickets] }
          {{Git}}: { servers: [spiffe://test.local/tools/git] }
        workloads:
          - { name: support-agent, id: "spiffe://test.local/agents/support", owner: team-support, tools: [tickets.read, tickets.comment] }
        roles:
          orchestrator: [spiffe://test.local/orchestrator]
          operator: [spiffe://test.local/operator]
          tool: [spiffe://test.local/tools/*]
        """;

    private static SampleProcess StartMcpServer(BrokerFixture broker, int httpPort, int port, string audience, string identity) =>
        SampleProcess.StartIn(
            SampleProcess.BuiltSample("McpToolServer"),
            "McpToolServer",
            new Dictionary<string, string>
            {
                ["CREDBROKER_TOKEN"] = broker.IdentityToken(identity),
                ["CredBroker__Verifier__BrokerAddress"] = broker.Address.ToString(),
                ["CredBroker__Verifier__Issuer"] = BrokerFixture.Issuer,
                ["CredBroker__Verifier__Audience"] = audience,
                ["CredBroker__Verifier__JwksUri"] = $"http://127.0.0.1:{httpPort}/.well-known/jwks.json",
                ["CredBroker__Verifier__MaxStaleness"] = "00:00:02",
                ["CredBroker__Verifier__MaxReconnectDelay"] = "00:00:00.500",
                ["McpToolServer__AuthorizationServer"] = $"http://127.0.0.1:{httpPort}",
            },
            "--urls", $"http://127.0.0.1:{port}");

    [Test]
    public async Task The_agent_discovers_the_broker_calls_its_tool_is_stopped_at_the_edges_and_refused_after_RevokeTask()
    {
        var httpPort = Loopback.FreePort();
        await using var broker = await BrokerFixture.StartAsync(policy: Policy, settings: new Dictionary<string, string?> { ["CredBroker:HttpUrl"] = $"http://127.0.0.1:{httpPort}" });
        var ticketsPort = Loopback.FreePort();
        var gitPort = Loopback.FreePort();
        await using var tickets = StartMcpServer(broker, httpPort, ticketsPort, Tickets, "spiffe://test.local/tools/tickets");
        await using var git = StartMcpServer(broker, httpPort, gitPort, Git, "spiffe://test.local/tools/git");
        await Loopback.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{ticketsPort}/healthz"), () => tickets.HasExited, () => tickets.Output);
        await Loopback.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{gitPort}/healthz"), () => git.HasExited, () => git.Output);

        var taskId = BrokerFixture.NewTaskId();
        await using var agent = SampleProcess.StartIn(
            SampleProcess.BuiltSample("McpAgent"),
            "McpAgent",
            new Dictionary<string, string> { ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Support) },
            "--server", $"http://127.0.0.1:{ticketsPort}/mcp", "--task", taskId, "--purpose", "triage ticket 42", "--scope", "tickets.read",
            "--call", "list_tickets", "--call", "comment_ticket", "--also", $"http://127.0.0.1:{gitPort}/mcp", "--repeat-until-refused", "--interval", "0.2s");

        // The task ends only once the agent is calling with its token: the sequence does not depend on the machine's speed.
        await agent.WaitForLineAsync(l => l.StartsWith("call repeat 1 ", StringComparison.Ordinal), TimeSpan.FromSeconds(90), "the agent's repeated calls");
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId, Reason = "done" }, broker.As(TestPolicy.Orchestrator));
        // The verifier's staleness bound is 2 s; the agent calls every 0.2 s, so it is refused within a few calls.
        Assert.That(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(1), agent.Output);

        var lines = agent.Lines;
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Some.Match($@"^401 from http://127\.0\.0\.1:{ticketsPort}/mcp; resource metadata http://127\.0\.0\.1:{ticketsPort}/\.well-known/oauth-protected-resource$"), agent.Output);
            Assert.That(lines, Has.Some.StartWith($"resource {Tickets}; authorization server http://127.0.0.1:{httpPort}; token endpoint http://127.0.0.1:{httpPort}/oauth2/token"));
            Assert.That(lines, Has.Some.StartWith($"token for {Tickets} with scope 'tickets.read'"));
            Assert.That(lines, Has.Some.StartWith("call list_tickets: ok #42 Customer cannot log in"));
            Assert.That(lines, Has.Some.Match("^call comment_ticket: refused 403 Bearer error=\"insufficient_scope\".*scope=\"tickets.comment\""));
            Assert.That(lines, Has.Some.Match($"^same token at http://127\\.0\\.0\\.1:{gitPort}/mcp: 401 Bearer error=\"invalid_token\""));
            Assert.That(lines[^1], Does.Match("^call repeat \\d+ list_tickets: refused 401 Bearer error=\"invalid_token\", error_description=\"task .* was revoked"));
        });

        // Each step on the task's trail, in order: the token; the tool server's report of each tool call (let through,
        // denied for scope, and, after RevokeTask and any calls within the staleness bound, the refused one). The
        // second MCP server cannot put its refusal there: a token for another audience names no grant it may speak for.
        var audit = await AuditAsync(broker, taskId);
        var steps = string.Join(' ', audit.Select(e => e.GetProperty("kind").GetString() is "tool.use" ? $"tool.use:{e.GetProperty("decision").GetString()}" : e.GetProperty("kind").GetString()));
        Assert.That(steps, Does.Match(@"^grant\.issued tool\.use:ok tool\.use:denied( tool\.use:ok)+ revocation\.task( tool\.use:ok)* tool\.use:rejected_revoked$"), agent.Output);
        var uses = audit.Where(e => e.GetProperty("kind").GetString() == "tool.use").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(audit[0].GetProperty("evidence").GetProperty("wire").GetString(), Is.EqualTo("http"));
            Assert.That(audit[0].GetProperty("evidence").GetProperty("audience").GetString(), Is.EqualTo(Tickets));
            Assert.That(uses.Count(e => e.GetProperty("decision").GetString() == "ok"), Is.EqualTo(lines.Count(l => Regex.IsMatch(l, "^call .*: ok "))), "one ok report per call the agent saw succeed");
            Assert.That(uses.Select(e => e.GetProperty("grant_id").GetString()).Distinct(), Is.EqualTo(new[] { audit[0].GetProperty("grant_id").GetString() }));
            Assert.That(uses[1].GetProperty("tools")[0].GetString(), Is.EqualTo("tickets.comment"));
            Assert.That(uses[1].GetProperty("evidence").GetProperty("action").GetString(), Is.EqualTo("tools/call comment_ticket"));
            Assert.That(uses[^1].GetProperty("tools")[0].GetString(), Is.EqualTo("tickets.read"));
            Assert.That(uses[^1].GetProperty("reason").GetString(), Does.Match("^task .* was revoked at "));
            // No call is let through later than the staleness bound (2 s) after the revocation; 2 s more for the report to arrive.
            var revokedAt = Time(audit.Single(e => e.GetProperty("kind").GetString() == "revocation.task"));
            var lastOk = uses.Where(e => e.GetProperty("decision").GetString() == "ok").Max(Time);
            Assert.That(lastOk - revokedAt, Is.LessThan(TimeSpan.FromSeconds(4)));
        });
        Assert.That(broker.Logs.Errors, Is.Empty);
    }

    private static DateTimeOffset Time(JsonElement auditEvent) => DateTimeOffset.Parse(auditEvent.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<JsonElement>> AuditAsync(BrokerFixture broker, string taskId)
    {
        using var call = broker.Admin.ReadAudit(new ReadAuditRequest { TaskId = taskId }, broker.As(TestPolicy.Operator));
        var events = new List<JsonElement>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            events.Add(JsonDocument.Parse(call.ResponseStream.Current.Json).RootElement.Clone());
        }

        return events;
    }
}
