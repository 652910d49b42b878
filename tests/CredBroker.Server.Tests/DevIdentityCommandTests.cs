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
    public async Task Outside_Development_without_the_brokers_settings_it_says_what_is_missing_and_exits_2()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-cmd-").FullName;
        var (exit, output, error) = await RunServerAsync(directory, development: false, "dev", "identity", TestPolicy.Support);

        Assert.That(exit, Is.EqualTo(2), error);
        Assert.That(error, Does.StartWith("error: CredBroker:PolicyFile is not set"));
        Assert.That(error, Does.Contain("--CredBroker:PolicyFile=").And.Contain("--dev"), "how to pass it");
        Assert.That(error, Does.Not.Contain(" at "), "no stack trace");
        Assert.That(output, Is.Empty);
    }

    [Test]
    public async Task An_empty_key_directory_setting_is_named_and_exits_2()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-cmd-").FullName;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "dev-policy.yaml"), Path.Combine(directory, "policy.yaml"));
        var (exit, _, error) = await RunServerAsync(directory, "dev", "identity", "spiffe://dev.local/agents/support", "--CredBroker:Keys:KeyDirectory=");

        Assert.That(exit, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("CredBroker:Keys:KeyDirectory is empty"));
        Assert.That(error, Does.Not.Contain(" at "), "no stack trace");
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

    private static Task<(int Exit, string Output, string Error)> RunServerAsync(string directory, params string[] args) => RunServerAsync(directory, development: true, args);

    /// <param name="development">Whether it runs in the Development environment with this directory's key and policy settings, or bare (Production, none).</param>
    private static async Task<(int Exit, string Output, string Error)> RunServerAsync(string directory, bool development, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CredBroker.Server.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.WorkingDirectory = directory;
        if (development)
        {
            start.Environment["DOTNET_ENVIRONMENT"] = "Development";
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            start.Environment["CredBroker__Keys__KeyDirectory"] = Path.Combine(directory, "keys");
            start.Environment["CredBroker__PolicyFile"] = Path.Combine(directory, "policy.yaml");
        }
        else
        {
            foreach (var variable in new[] { "DOTNET_ENVIRONMENT", "ASPNETCORE_ENVIRONMENT", "CredBroker__Keys__KeyDirectory", "CredBroker__PolicyFile" })
            {
                start.Environment.Remove(variable);
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
