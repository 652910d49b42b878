using System.Diagnostics;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>The README's dev identity command prints a token the running broker accepts.</summary>
public sealed class DevIdentityCommandTests
{
    [Test]
    public async Task The_dev_identity_command_prints_a_token_the_broker_accepts()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var (exit, output, error) = await RunServerAsync(broker.Directory, "dev", "identity", TestPolicy.Support, "--ttl", "5m");
        Assert.That(exit, Is.Zero, error);

        var token = output.Trim();
        var grant = await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } },
            new CallOptions(new Metadata { { "authorization", "Bearer " + token } }));
        Assert.That(grant.Grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
    }

    [Test]
    public async Task The_dev_identity_command_refuses_what_is_not_a_SPIFFE_ID()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-cmd-").FullName;
        var (exit, _, error) = await RunServerAsync(directory, "dev", "identity", "support-agent");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain("spiffe://"));
    }

    [Test]
    public async Task Keys_are_private_files()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var keys = Directory.GetFiles(Path.Combine(broker.Directory, "keys"), "*.pem");
        Assert.That(keys, Is.Not.Empty);
        foreach (var key in keys)
        {
            Assert.That(File.GetUnixFileMode(key), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), key);
        }
    }

    private static async Task<(int Exit, string Output, string Error)> RunServerAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CredBroker.Server.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["CredBroker__Keys__KeyDirectory"] = Path.Combine(directory, "keys");
        start.Environment["CredBroker__PolicyFile"] = Path.Combine(directory, "policy.yaml");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
