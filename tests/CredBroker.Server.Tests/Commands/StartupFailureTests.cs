using System.Net;
using System.Net.Sockets;
using CredBroker.Testing.Processes;
using CredBroker.Testing.Redis;
using StackExchange.Redis;

namespace CredBroker.Server.Tests;

/// <summary>
/// Every way the broker (or a command that builds it: <c>dev identity</c>, <c>keys</c>) can fail to start ends as
/// one line on stderr naming the thing to change, with the documented exit code (2 configuration, 3 unavailable),
/// no stack trace, and nothing left in the key directory or the audit log.
/// </summary>
public sealed class StartupFailureTests
{
    private string directory = null!;

    private string Keys => Path.Combine(directory, "keys");

    private string AuditFile => Path.Combine(directory, "audit.jsonl");

    private static string DevPolicy => Path.Combine(AppContext.BaseDirectory, "dev-policy.yaml");

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("credbroker-startup-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    [Test]
    public async Task A_missing_policy_file_is_one_line_naming_the_file()
    {
        var missing = Path.Combine(directory, "nope.yaml");

        var run = await ServeAsync("--dev", "--CredBroker:PolicyFile=" + missing);

        AssertOneLine(run, 2, missing);
    }

    [Test]
    public async Task A_malformed_policy_file_is_one_line_naming_its_line_and_column()
    {
        var bad = Path.Combine(directory, "bad.yaml");
        await File.WriteAllTextAsync(bad, "version: 1\ntools: [\n");

        var run = await ServeAsync("--dev", "--CredBroker:PolicyFile=" + bad);

        AssertOneLine(run, 2, $"{bad}:3:1: ");
    }

    [Test]
    public async Task A_policy_with_problems_is_one_line_naming_each_with_its_line()
    {
        var bad = Path.Combine(directory, "bad.yaml");
        await File.WriteAllTextAsync(bad, "version: 1\ntools:\n  - { name: a.b, audience: https://a.example, risk: extreme }\n");

        var run = await ServeAsync("--dev", "--CredBroker:PolicyFile=" + bad);

        AssertOneLine(run, 2, $"{bad}:3: tools[].risk: 'extreme'");
    }

    [Test]
    public async Task Serve_outside_Development_without_a_policy_says_to_pass_dev_or_the_setting()
    {
        var run = await ServeAsync();

        AssertOneLine(run, 2, "CredBroker:PolicyFile");
        Assert.That(run.Stderr, Does.Contain("--dev"));
    }

    [Test]
    public async Task Dev_identity_outside_Development_without_a_policy_says_to_pass_dev()
    {
        var run = await BrokerExecutable.RunInAsync(directory, null, null, ["dev", "identity", "spiffe://dev.local/agents/support", .. Isolated()]);

        AssertOneLine(run, 2, "CredBroker:PolicyFile");
        Assert.That(run.Stderr, Does.Contain("--dev"));
    }

    [Test]
    public async Task Keys_list_outside_Development_without_a_policy_says_to_pass_dev()
    {
        var run = await BrokerExecutable.RunInAsync(directory, null, null, ["keys", "list", .. Isolated()]);

        AssertOneLine(run, 2, "CredBroker:PolicyFile");
        Assert.That(run.Stderr, Does.Contain("--dev"));
    }

    [Test]
    public async Task A_policy_but_no_identity_source_outside_Development_names_the_settings_and_dev()
    {
        var run = await ServeAsync("--CredBroker:PolicyFile=" + DevPolicy);

        AssertOneLine(run, 2, "CredBroker:Identity:Issuers");
        Assert.That(run.Stderr, Does.Contain("--dev"));
    }

    [Test]
    public async Task An_invalid_setting_is_one_line_with_the_setting_as_it_is_spelt()
    {
        var run = await ServeAsync("--dev", "--CredBroker:Storage:RevokedTaskRetention=00:01:00");

        AssertOneLine(run, 2, "CredBroker:Storage:RevokedTaskRetention must be at least 1 hour");
    }

    [Test]
    public async Task An_unknown_store_is_one_line_naming_the_setting()
    {
        var run = await ServeAsync("--dev", "--CredBroker:Store=postgres");

        AssertOneLine(run, 2, "CredBroker:Store must be 'memory' or 'redis'");
    }

    [Test]
    public async Task A_port_in_use_is_one_line_naming_the_address_with_exit_3()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var run = await ServeAsync("--dev", "--urls", address, "--CredBroker:HttpUrl=http://127.0.0.1:0");

        AssertOneLine(run, 3, $"{address}: address already in use");
    }

    [Test]
    public async Task An_unsafe_Redis_is_one_line_naming_what_is_unsafe_and_the_way_out()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint + ",allowAdmin=true"))
        {
            await admin.GetServers().Single().ConfigSetAsync("appendfsync", "everysec");
        }

        var run = await ServeAsync("--dev", "--CredBroker:Store=redis", "--CredBroker:Redis=" + redis.Endpoint);

        AssertOneLine(run, 2, "appendfsync is 'everysec', needs 'always'");
        Assert.That(run.Stderr, Does.Contain("CredBroker:RedisAcceptDataLossRisk"));
    }

    [Test]
    public async Task Verbose_adds_the_stack_trace()
    {
        var run = await ServeAsync("--dev", "--verbose", "--CredBroker:PolicyFile=" + Path.Combine(directory, "nope.yaml"));

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Stderr, Does.StartWith("error: policy file: ").And.Contain("   at "));
    }

    /// <summary>Serves from the test's directory on free ports, with the key directory and an audit file there.</summary>
    private Task<CliRun> ServeAsync(params string[] args)
    {
        string[] ports = args.Contains("--urls") ? [] : ["--urls", "http://127.0.0.1:0", "--CredBroker:HttpUrl=http://127.0.0.1:0"];
        return BrokerExecutable.RunInAsync(directory, null, null, ["serve", .. ports, .. Isolated(), .. args]);
    }

    private string[] Isolated() => ["--CredBroker:Keys:KeyDirectory=" + Keys, "--CredBroker:Audit:File=" + AuditFile];

    private void AssertOneLine(CliRun run, int exitCode, string names)
    {
        Assert.That(run.ExitCode, Is.EqualTo(exitCode), run.ToString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), run.ToString());
        Assert.That(lines[0], Does.StartWith("error: ").And.Contain(names), run.ToString());
        Assert.That(run.Stdout + run.Stderr, Does.Not.Contain("   at "), "no stack trace without --verbose");
        Assert.That(Directory.Exists(Keys), Is.False, "nothing is written to the key directory");
        Assert.That(Directory.Exists(Path.Combine(directory, ".credbroker")), Is.False, "nor to the default one");
        Assert.That(File.Exists(AuditFile), Is.False, "nor to the audit log");
    }
}
