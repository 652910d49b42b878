using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;

namespace CredBroker.Samples.Tests;

/// <summary>
/// The three samples as samples/README.md runs them, each its own process, against a real broker: the
/// orchestrator opens a task, the agent's tool calls succeed, the orchestrator revokes the task, and the
/// agent's next tool call is refused.
/// </summary>
public sealed class SamplesEndToEndTests
{
    private const string Audience = "https://tickets.samples.test";

    private static readonly string Policy = TestPolicy.Yaml
        .Replace("https://tickets.test", Audience, StringComparison.Ordinal);

    [Test]
    public async Task The_agents_tool_call_succeeds_then_is_refused_after_the_orchestrator_revokes_the_task()
    {
        var httpPort = Loopback.FreePort();
        await using var broker = await BrokerFixture.StartAsync(
            policy: Policy,
            settings: new Dictionary<string, string?> { ["CredBroker:HttpUrl"] = $"http://127.0.0.1:{httpPort}" });
        var toolPort = Loopback.FreePort();
        var brokerAddress = broker.Address.ToString();

        await using var toolServer = SampleProcess.Start(
            "ToolServer",
            new Dictionary<string, string>
            {
                ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Tool),
                ["CredBroker__Verifier__BrokerAddress"] = brokerAddress,
                ["CredBroker__Verifier__Issuer"] = BrokerFixture.Issuer,
                ["CredBroker__Verifier__Audience"] = Audience,
                ["CredBroker__Verifier__JwksUri"] = $"http://127.0.0.1:{httpPort}/.well-known/jwks.json",
            },
            "--urls", $"http://127.0.0.1:{toolPort}");
        await Loopback.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{toolPort}/healthz"), () => toolServer.HasExited, () => toolServer.Output);

        var taskId = BrokerFixture.NewTaskId();
        await using var orchestrator = SampleProcess.Start(
            "Orchestrator",
            new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = brokerAddress, ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Orchestrator) },
            "--task", taskId, "--workload", TestPolicy.Support, "--tool", "tickets.read", "--work-for", "enter", "--wait", "60s");
        await orchestrator.WaitForLineAsync(l => l.StartsWith($"opened task {taskId}", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the task being opened");

        await using var agent = SampleProcess.Start(
            "AgentRuntime",
            new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = brokerAddress, ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Support) },
            "--task", taskId, "--tool-server", $"http://127.0.0.1:{toolPort}", "--calls", "0", "--interval", "0.2s");

        // The task ends only once the agent has used its grant: the sequence does not depend on how fast the machine is.
        await agent.WaitForLineAsync(l => l.StartsWith("call 1: ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the agent's first tool call");
        await orchestrator.WaitForLineAsync(l => l.Contains("press Enter", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the orchestrator seeing the agent at work");
        await orchestrator.WriteLineAsync(string.Empty);
        Assert.That(await orchestrator.WaitForExitAsync(TimeSpan.FromSeconds(90)), Is.Zero, orchestrator.Output);
        Assert.That(orchestrator.Lines, Has.Some.Match($"^revoked task {taskId}: 1 live grant"));
        Assert.That(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(1), agent.Output);

        var calls = agent.Lines.Where(l => l.StartsWith("call ", StringComparison.Ordinal)).ToList();
        Assert.That(calls[0], Does.StartWith("call 1: ok 200").And.Contain("Customer cannot log in"), agent.Output);
        Assert.That(calls[^1], Does.Match(@"^call \d+: (refused 401|no grant: FAILED_PRECONDITION)"), agent.Output);
        Assert.That(calls.Take(calls.Count - 1), Has.All.Contains(": ok 200"), "every call before the revocation succeeds");
    }
}
