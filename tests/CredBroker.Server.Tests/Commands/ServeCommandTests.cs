using CredBroker.Testing.Processes;

namespace CredBroker.Server.Tests;

/// <summary>
/// <c>credbroker-server serve --dev</c> and <c>credbroker-server dev identity --dev</c> as a new user runs them: a broker in the
/// tool's own process, identities from its dev issuer, a grant through it, and a clean stop on SIGTERM.
/// </summary>
public sealed class ServeCommandTests
{
    [Test]
    public async Task Serve_runs_a_broker_that_dev_identities_and_grants_work_against_and_stops_on_sigterm()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-serve-").FullName;
        var server = await ServedBroker.StartAsync(directory);
        int exitCode;
        await using (server)
        {
            try
            {
                // Run from the same directory, so dev identity finds the key directory serve created.
                var identity = await BrokerExecutable.RunInAsync(directory, null, null, "dev", "identity", "spiffe://dev.local/agents/support", "--dev", "--ttl", "10m");
                Assert.That(identity.ExitCode, Is.Zero, identity.ToString());

                var grant = await Credbroker.RunAsync(
                    new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = server.Grpc, ["CREDBROKER_TOKEN"] = identity.Stdout.Trim() },
                    null,
                    "grant", "request", "--task", "t-serve", "--tool", "tickets.read", "--purpose", "try the quick start", "-o", "json");
                Assert.That(grant.ExitCode, Is.Zero, grant.ToString());
                Assert.That(grant.Stdout, Does.Contain("\"workload_id\": \"spiffe://dev.local/agents/support\""));
            }
            finally
            {
                // SIGTERM, as a service manager stops it; the host must shut down by itself.
                exitCode = await server.TerminateAsync();
                Directory.Delete(directory, recursive: true);
            }
        }

        Assert.That(exitCode, Is.Zero, server.Output);
    }

    [Test]
    public async Task Dev_identity_without_the_dev_profile_is_refused_with_the_way_out()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-dev-").FullName;
        try
        {
            var run = await BrokerExecutable.RunInAsync(directory, null, null, "dev", "identity", "spiffe://dev.local/agents/support", "--CredBroker:PolicyFile=" + Path.Combine(AppContext.BaseDirectory, "dev-policy.yaml"));

            Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
            Assert.That(run.Stderr, Does.Contain("dev identities are off").And.Contain("--dev"));
            Assert.That(run.Stdout, Is.Empty);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Dev_identity_refuses_a_malformed_spiffe_id_as_a_usage_error()
    {
        var run = await BrokerExecutable.RunAsync("dev", "identity", "agents/support", "--dev");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Stderr, Does.Contain("'agents/support' is not a SPIFFE ID"));
    }
}
