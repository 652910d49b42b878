using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;

namespace CredBroker.Cli.Tests;

/// <summary>What a person at the terminal is told beside the answer itself.</summary>
public sealed class CliNoticeTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private Task<CliRun> RequestAsync(params string[] extra) => Credbroker.RunAsync(
        new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = broker.Address.ToString(), ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Support) },
        null,
        ["grant", "request", "--task", BrokerFixture.NewTaskId(), "--tool", "tickets.read", "--purpose", "answer the customer", .. extra]);

    [Test]
    public async Task A_TTL_shortened_by_policy_is_said_on_stderr_and_the_token_stays_alone_on_stdout()
    {
        var run = await RequestAsync("--ttl", "1h");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Stdout.Trim().Split('.'), Has.Length.EqualTo(3), "the token alone");
        Assert.That(run.Stderr.Trim(), Is.EqualTo("notice: granted for 5m, not the 1h asked for (a policy, task or global limit is shorter)"));
    }

    [Test]
    public async Task A_TTL_granted_as_asked_prints_no_notice()
    {
        var run = await RequestAsync("--ttl", "2m");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Stderr, Is.Empty);
    }
}
