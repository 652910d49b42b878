using System.Diagnostics;
using System.Text.RegularExpressions;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;

namespace CredBroker.Samples.Tests;

/// <summary>
/// The packages as a team adopting CredBroker takes them: <c>dotnet pack</c> of the solution, then two projects
/// that know nothing of this repository (no project references, no shared build files) install
/// <c>CredBroker.Verifier.AspNetCore</c> and <c>CredBroker.Client</c> from that folder, and a grant runs through
/// them against a real broker; the <c>credbroker</c> tool is installed from the same folder and asks the broker
/// about the grant's token.
/// </summary>
[NonParallelizable]
public sealed partial class PackageTests
{
    private const string Audience = "https://tickets.packages.test";

    private static readonly string Policy = TestPolicy.Yaml.Replace("https://tickets.test", Audience, StringComparison.Ordinal);

    private string work = null!;
    private string feed = null!;
    private string version = null!;

    /// <summary>Packs once for the fixture: this is what a release publishes.</summary>
    [OneTimeSetUp]
    public async Task Pack()
    {
        work = Directory.CreateTempSubdirectory("credbroker-packages-").FullName;
        feed = Path.Combine(work, "feed");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        // --no-build: the solution was built for this run; packing must not rebuild what other test processes load.
        var pack = await RunAsync(Credbroker.RepositoryRoot(), TimeSpan.FromMinutes(5), "pack", Path.Combine(Credbroker.RepositoryRoot(), "CredBroker.sln"), "--no-build", "-c", configuration, "-o", feed);
        Assert.That(pack.ExitCode, Is.Zero, pack.ToString());
        var client = Directory.GetFiles(feed, "CredBroker.Client.*.nupkg").Single();
        version = ClientVersion().Match(Path.GetFileName(client)).Groups["v"].Value;
    }

    [OneTimeTearDown]
    public void Clean()
    {
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
            // A process of the test still holding a file: the temporary folder is left to the system.
        }
    }

    [Test]
    public void One_version_for_every_package_with_readme_licence_and_symbols()
    {
        var packages = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order().ToList();
        var expected = new[] { "CredBroker.Cli", "CredBroker.Client", "CredBroker.Protocol", "CredBroker.Server", "CredBroker.Tokens", "CredBroker.Verifier", "CredBroker.Verifier.AspNetCore" };

        Assert.That(packages, Is.EqualTo(expected.Select(p => $"{p}.{version}.nupkg")), "the packages and nothing else (Core, Redis, Identity are the broker's insides)");
        Assert.That(Directory.GetFiles(feed, "*.snupkg"), Has.Length.EqualTo(expected.Length), "a symbol package for each");
        foreach (var package in expected)
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"{package}.{version}.nupkg"));
            var nuspec = new StreamReader(zip.GetEntry($"{package}.nuspec")!.Open()).ReadToEnd();
            Assert.Multiple(() =>
            {
                Assert.That(nuspec, Does.Contain("<license type=\"expression\">MIT</license>"), package);
                Assert.That(nuspec, Does.Contain("<readme>README.md</readme>"), package);
                Assert.That(zip.GetEntry("README.md"), Is.Not.Null, package);
                Assert.That(nuspec, Does.Match("<repository type=\"git\"[^>]* commit=\"[0-9a-f]{40}\""), package + ": Source Link's commit");
                Assert.That(nuspec, Does.Not.Contain("CredBroker.Core\""), package + " must not depend on Core");
            });
        }
    }

    [Test]
    public async Task A_tool_server_and_an_agent_built_from_the_packages_alone_run_a_grant_and_the_tool_asks_the_broker_about_it()
    {
        var consumers = Path.Combine(work, "consumers");
        Directory.CreateDirectory(consumers);
        // The feed beside nuget.org, and a packages folder of their own: nothing comes from this repository's builds.
        await File.WriteAllTextAsync(Path.Combine(consumers, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="credbroker" value="{feed}" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(work, "packages")}" />
              </config>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumers, "Directory.Build.props"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(consumers, "Directory.Packages.props"), "<Project />");
        WriteProject(consumers, "Tools", "Microsoft.NET.Sdk.Web", "CredBroker.Verifier.AspNetCore", ToolServerProgram);
        // An agent reads its settings as it likes; here from the environment, the one package it adds of its own.
        WriteProject(consumers, "Agent", "Microsoft.NET.Sdk", "CredBroker.Client", AgentProgram, """<PackageReference Include="Microsoft.Extensions.Configuration.EnvironmentVariables" Version="10.0.13" />""");
        foreach (var project in new[] { "Tools", "Agent" })
        {
            var build = await RunAsync(consumers, TimeSpan.FromMinutes(5), "build", Path.Combine(project, project + ".csproj"), "-c", "Release", "-o", Path.Combine(consumers, project, "out"));
            Assert.That(build.ExitCode, Is.Zero, build.ToString());
        }

        Assert.That(Directory.GetFiles(Path.Combine(consumers, "Tools", "out"), "CredBroker.*.dll").Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "CredBroker.Protocol.dll", "CredBroker.Tokens.dll", "CredBroker.Verifier.AspNetCore.dll", "CredBroker.Verifier.dll" }),
            "a tool server takes the verifier, the token rules and the contract: no broker code");

        var httpPort = Loopback.FreePort();
        await using var broker = await BrokerFixture.StartAsync(
            policy: Policy,
            settings: new Dictionary<string, string?> { ["CredBroker:HttpUrl"] = $"http://127.0.0.1:{httpPort}" });
        var toolPort = Loopback.FreePort();
        await using var tools = SampleProcess.StartIn(
            Path.Combine(consumers, "Tools", "out"),
            "Tools",
            new Dictionary<string, string>
            {
                ["CREDBROKER_TOKEN"] = broker.IdentityToken(TestPolicy.Tool),
                ["CredBroker__Verifier__BrokerAddress"] = broker.Address.ToString(),
                ["CredBroker__Verifier__Issuer"] = BrokerFixture.Issuer,
                ["CredBroker__Verifier__Audience"] = Audience,
                ["CredBroker__Verifier__JwksUri"] = $"http://127.0.0.1:{httpPort}/.well-known/jwks.json",
            },
            "--urls", $"http://127.0.0.1:{toolPort}");
        await Loopback.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{toolPort}/healthz/ready"), () => tools.HasExited, () => tools.Output);

        var taskId = BrokerFixture.NewTaskId();
        await using var agent = SampleProcess.StartIn(
            Path.Combine(consumers, "Agent", "out"),
            "Agent",
            new Dictionary<string, string>
            {
                ["CredBroker__Client__Address"] = broker.Address.ToString(),
                ["CredBroker__Client__IdentityToken"] = broker.IdentityToken(TestPolicy.Support),
                ["CredBroker__Client__AllowCleartext"] = "true",
            },
            taskId, $"http://127.0.0.1:{toolPort}/tickets");
        Assert.That(await agent.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, agent.Output + "\n--- tool server:\n" + tools.Output);
        Assert.That(agent.Lines, Has.Some.EqualTo("tool answered 200"), agent.Output);
        var token = agent.Lines.Single(l => l.StartsWith("token ", StringComparison.Ordinal))["token ".Length..];

        var installed = await RunAsync(work, TimeSpan.FromMinutes(3), "tool", "install", "CredBroker.Cli", "--version", version, "--tool-path", Path.Combine(work, "tools"), "--add-source", feed);
        Assert.That(installed.ExitCode, Is.Zero, installed.ToString());
        var introspect = await RunAsync(work, TimeSpan.FromMinutes(1), Path.Combine(work, "tools", "credbroker"),
            ["--address", broker.Address.ToString(), "--token", broker.IdentityToken(TestPolicy.Tool), "token", "introspect", token]);
        Assert.That(introspect.ExitCode, Is.Zero, introspect.ToString());
        Assert.That(introspect.Stdout, Does.Contain("active").And.Contain(taskId));
    }

    private void WriteProject(string root, string name, string sdk, string package, string program, string otherReferences = "")
    {
        var directory = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="[{version}]" />
                {otherReferences}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
    }

    /// <summary>The tool server of the Verifier package's README: one endpoint that needs <c>tickets.read</c>.</summary>
    private const string ToolServerProgram = """
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddCredBrokerVerifier(
            builder.Configuration.GetSection("CredBroker:Verifier"),
            o => o.IdentityToken = _ => ValueTask.FromResult(builder.Configuration["CREDBROKER_TOKEN"]!));
        builder.Services.AddAuthentication(CredBroker.Verifier.AspNetCore.CredBrokerTokenDefaults.AuthenticationScheme).AddCredBrokerToken();
        builder.Services.AddAuthorization();
        builder.Services.AddHealthChecks().AddCredBrokerVerifier();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/tickets", () => "ticket 42: customer cannot log in").RequireAuthorization(p => p.RequireCredBrokerTool("tickets.read"));
        app.MapHealthChecks("/healthz/ready");
        app.Run();
        """;

    /// <summary>An agent of the Client package's README: a grant for one tool, one call with it.</summary>
    private const string AgentProgram = """
        using CredBroker.Client;
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;

        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        await using var services = new ServiceCollection().AddCredBrokerClient(configuration.GetSection("CredBroker:Client")).BuildServiceProvider();
        var broker = services.GetRequiredService<CredBrokerClient>();
        var grant = await broker.RequestGrantAsync(new GrantRequest(args[0], "read the queue", ["tickets.read"]));
        Console.WriteLine($"token {grant.AccessToken}");
        using var http = new HttpClient();
        using var call = new HttpRequestMessage(HttpMethod.Get, args[1]);
        call.Headers.Authorization = new("Bearer", grant.AccessToken);
        using var answer = await http.SendAsync(call);
        Console.WriteLine($"tool answered {(int)answer.StatusCode}");
        return answer.IsSuccessStatusCode ? 0 : 1;
        """;

    private static async Task<CliRun> RunAsync(string directory, TimeSpan limit, string command, params string[] args)
    {
        var start = new ProcessStartInfo(command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) ? command : Credbroker.DotnetHost())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            start.ArgumentList.Add(command);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The consumers are built as outsiders: none of this test run's MSBuild state leaks into them.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("CREDBROKER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', args)} ran longer than {limit}");
        }

        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex(@"^CredBroker\.Client\.(?<v>\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?)\.nupkg$")]
    private static partial Regex ClientVersion();
}
