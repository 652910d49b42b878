using System.Diagnostics;
using CredBroker.Testing.Processes;

namespace CredBroker.Server.Tests;

/// <summary>
/// One default key directory, <c>.credbroker/keys</c> in the working directory, whichever way the broker and the
/// CLI are started; each says which directory it used, and an identity from another directory is refused with
/// a message saying where this broker reads its keys.
/// </summary>
public sealed class KeyDirectoryTests
{
    private string directory = null!;

    private string DefaultKeys => Path.Combine(directory, ".credbroker", "keys");

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("credbroker-keydir-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    [Test]
    public async Task Dev_identity_and_keys_list_use_and_name_the_working_directorys_key_directory()
    {
        var identity = await BrokerExecutable.RunInAsync(directory, null, null, "dev", "identity", "spiffe://dev.local/agents/support", "--dev");
        var keys = await BrokerExecutable.RunInAsync(directory, null, null, "keys", "list", "--dev");

        Assert.That(identity.ExitCode, Is.Zero, identity.ToString());
        Assert.That(identity.Stderr.Trim(), Is.EqualTo($"signing keys: {DefaultKeys}"));
        Assert.That(keys.ExitCode, Is.Zero, keys.ToString());
        Assert.That(keys.Stderr.Trim(), Is.EqualTo($"signing keys: {DefaultKeys}"));
        Assert.That(File.Exists(Path.Combine(DefaultKeys, "dev-identity.pem")), Is.True);
    }

    [Test]
    public async Task Dotnet_run_of_the_server_uses_the_same_default_as_the_installed_tool()
    {
        var project = Path.Combine(Credbroker.RepositoryRoot(), "src", "CredBroker.Server");
        var start = new ProcessStartInfo(Credbroker.DotnetHost())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "--project", project, "--no-build", "-c", "Release", "--", "dev", "identity", "spiffe://dev.local/agents/support" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.That(process.ExitCode, Is.Zero, await stdout + await stderr);
        Assert.That(await stderr, Does.Contain($"signing keys: {DefaultKeys}"));
        Assert.That(File.Exists(Path.Combine(DefaultKeys, "dev-identity.pem")), Is.True, "not under the server project");
    }

    [Test]
    public async Task An_identity_from_another_key_directory_is_refused_naming_the_issuer_and_this_brokers_keys()
    {
        var other = Path.Combine(directory, "elsewhere");
        await using var server = await ServedBroker.StartAsync(directory);
        Assert.That(server.Output, Does.Contain($"signing keys: {DefaultKeys}"));

        var identity = await BrokerExecutable.RunInAsync(directory, null, null, "dev", "identity", "spiffe://dev.local/agents/support", "--dev", "--CredBroker:Keys:KeyDirectory=" + other);
        var grant = await Credbroker.RunAsync(
            new Dictionary<string, string> { ["CREDBROKER_ADDRESS"] = server.Grpc, ["CREDBROKER_TOKEN"] = identity.Stdout.Trim() },
            null,
            "grant", "request", "--task", "t-keys", "--tool", "tickets.read", "--purpose", "p");

        Assert.That(grant.ExitCode, Is.EqualTo(1), grant.ToString());
        Assert.That(grant.Stderr, Does.Contain("UNAUTHENTICATED").And.Contain("issuer credbroker-dev-identity does not publish").And.Contain(DefaultKeys));
    }
}
