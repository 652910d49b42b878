using System.Diagnostics;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace CredBroker.Server.Tests.Deployment;

/// <summary>
/// docker-compose.yml and the Dockerfile as the repository ships them: valid for docker-compose (no engine
/// needed), with the persistence the broker insists on, and pointing at projects and files that exist.
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly string Root = FindRepositoryRoot();

    [Test]
    public async Task Docker_compose_config_accepts_the_file()
    {
        var (exitCode, stdout, stderr) = await RunAsync("docker-compose", "-f", Path.Combine(Root, "docker-compose.yml"), "config");

        Assert.That(exitCode, Is.Zero, $"docker-compose config failed:\n{stderr}");
        var services = Services(stdout);
        Assert.That(services.Children.Keys.Select(k => k.ToString()), Is.EquivalentTo(new[] { "redis", "broker", "identities", "toolserver" }));
    }

    [Test]
    public async Task Redis_runs_with_the_persistence_the_broker_requires()
    {
        var (_, stdout, _) = await RunAsync("docker-compose", "-f", Path.Combine(Root, "docker-compose.yml"), "config");
        var command = ((YamlSequenceNode)Service(stdout, "redis")["command"]).Children.Select(c => c.ToString()).ToList();

        Assert.That(string.Join(' ', command), Does.Contain("--appendonly yes").And.Contain("--appendfsync always").And.Contain("--maxmemory-policy noeviction"));
    }

    [Test]
    public async Task The_broker_uses_the_redis_store_with_policy_and_keys_on_volumes_that_exist()
    {
        var (_, stdout, _) = await RunAsync("docker-compose", "-f", Path.Combine(Root, "docker-compose.yml"), "config");
        var broker = Service(stdout, "broker");
        var environment = (YamlMappingNode)broker["environment"];
        var volumes = ((YamlSequenceNode)broker["volumes"]).Children.Select(v => v.ToString()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(environment["CredBroker__Store"].ToString(), Is.EqualTo("redis"));
            Assert.That(environment["CredBroker__Redis"].ToString(), Is.EqualTo("redis:6379"));
            Assert.That(volumes, Has.Some.EndsWith(":" + environment["CredBroker__PolicyFile"] + ":ro"));
            Assert.That(volumes, Has.Some.StartsWith("broker-keys:" + environment["CredBroker__Keys__KeyDirectory"]));
        });
        foreach (var hostPath in volumes.Select(v => v.Split(':')[0]).Where(p => p.StartsWith('/')))
        {
            Assert.That(File.Exists(hostPath) || Directory.Exists(hostPath), Is.True, $"{hostPath} is mounted but not in the repository");
        }
    }

    [Test]
    public void Every_project_the_dockerfile_publishes_exists_and_its_entry_point_is_the_assembly_it_builds()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        var projects = PublishedProject().Matches(dockerfile).Select(m => m.Groups[1].Value).ToList();
        var entryPoints = EntryPoint().Matches(dockerfile).Select(m => m.Groups[1].Value).ToList();

        Assert.That(projects, Has.Count.EqualTo(2));
        Assert.That(entryPoints, Has.Count.EqualTo(projects.Count));
        for (var i = 0; i < projects.Count; i++)
        {
            var project = Path.Combine(Root, projects[i]);
            Assert.That(File.Exists(project), Is.True, $"the Dockerfile publishes {projects[i]}, which does not exist");
            var assembly = Regex.Match(File.ReadAllText(project), "<AssemblyName>([^<]+)</AssemblyName>") is { Success: true } named
                ? named.Groups[1].Value
                : Path.GetFileNameWithoutExtension(project);
            Assert.That(entryPoints[i], Is.EqualTo(assembly + ".dll"), $"the entry point of the image built from {projects[i]}");
        }
    }

    [Test]
    public async Task The_tool_server_trusts_the_broker_it_is_composed_with()
    {
        var (_, stdout, _) = await RunAsync("docker-compose", "-f", Path.Combine(Root, "docker-compose.yml"), "config");
        var broker = (YamlMappingNode)Service(stdout, "broker")["environment"];
        var tool = (YamlMappingNode)Service(stdout, "toolserver")["environment"];
        var policy = File.ReadAllText(Path.Combine(Root, ((YamlSequenceNode)Service(stdout, "broker")["volumes"]).Children[0].ToString().Split(':')[0]));

        Assert.Multiple(() =>
        {
            Assert.That(tool["CredBroker__Verifier__Issuer"].ToString(), Is.EqualTo(broker["CredBroker__Issuer"].ToString()));
            Assert.That(tool["CredBroker__Verifier__BrokerAddress"].ToString(), Is.EqualTo("http://broker:5080"));
            Assert.That(policy, Does.Contain("audience: " + tool["CredBroker__Verifier__Audience"]), "the policy must grant tools on the tool server's audience");
        });
    }

    private static YamlMappingNode Services(string composeConfig)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(composeConfig));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    private static YamlMappingNode Service(string composeConfig, string name) => (YamlMappingNode)Services(composeConfig)[name];

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"{program} is not installed ({e.Message}); tests/run.sh installs Debian's docker-compose package");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CredBroker.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no CredBroker.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"dotnet publish (\S+\.csproj)")]
    private static partial Regex PublishedProject();

    [GeneratedRegex(@"ENTRYPOINT \[""dotnet"", ""([^""]+)""")]
    private static partial Regex EntryPoint();
}
