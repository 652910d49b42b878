using CredBroker.Testing.Processes;

namespace CredBroker.Server.Tests;

/// <summary>The broker's own executable (<c>credbroker-server</c>) documents each of its commands, as credbroker does its own.</summary>
public sealed class BrokerCommandHelpTests
{
    [Test]
    public async Task Help_exits_0_on_every_broker_command()
    {
        string[][] commands = [["serve"], ["dev"], ["dev", "identity"], ["keys"], ["keys", "list"], ["keys", "rotate"],
            ["policy"], ["policy", "check"], ["policy", "test"], ["policy", "explain"]];
        var runs = await Task.WhenAll(commands.Select(c => BrokerExecutable.RunAsync([.. c, "--help"])));
        for (var i = 0; i < commands.Length; i++)
        {
            Assert.That(runs[i].ExitCode, Is.Zero, $"{string.Join(' ', commands[i])} --help: {runs[i]}");
            Assert.That(runs[i].Stdout, Does.Contain("Usage:").And.Contain("credbroker-server " + string.Join(' ', commands[i])));
        }
    }

    [Test]
    public async Task An_unknown_option_of_a_broker_command_is_a_usage_error()
    {
        var run = await BrokerExecutable.RunAsync("dev", "identity");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Stderr, Does.Contain("credbroker-server dev identity --help"));
    }
}
