using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CredBroker.Testing.Processes;

namespace CredBroker.Cli.Tests;

/// <summary>
/// The README's quick start and walk-through (and the ToolServer sample's), run as written: the block marked <c>&lt;!-- readme-test: serve --&gt;</c>
/// starts a fresh broker in a temporary directory, the blocks marked <c>&lt;!-- readme-test: run --&gt;</c> run in
/// order in one shell against it, and each block must print every line its <c>#=&gt;</c> comments show. Blocks
/// without a marker (installing the tool, other sections) are left alone, so README additions elsewhere do not
/// break this test. <c>credbroker</c> and <c>credbroker-server</c> are the binaries built beside these tests.
/// </summary>
public sealed partial class ReadmeTests
{
    private const string BlockMarker = "::readme-block ";

    [Test]
    public Task The_quick_start_and_walk_through_print_what_the_README_says() => RunAsync("README.md", withToolServer: false, markedRunBlocks: 3);

    /// <summary>
    /// The sample's README adds a block marked <c>&lt;!-- readme-test: tool-server --&gt;</c>, run in its own shell
    /// like the broker's, with its <c>dotnet run --project samples/ToolServer</c> standing for the built sample.
    /// </summary>
    [Test]
    public Task The_ToolServer_sample_prints_what_its_README_says() => RunAsync(Path.Combine("samples", "ToolServer", "README.md"), withToolServer: true, markedRunBlocks: 2);

    private static async Task RunAsync(string document, bool withToolServer, int markedRunBlocks)
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Credbroker.RepositoryRoot(), document));
        var serve = Blocks(readme, "serve").Single();
        var toolServer = withToolServer ? Blocks(readme, "tool-server").Single() : null;
        var run = Blocks(readme, "run");
        Assert.That(run, Has.Count.GreaterThanOrEqualTo(markedRunBlocks), "the walk-through's blocks are marked");

        var directory = Directory.CreateTempSubdirectory("credbroker-readme-").FullName;
        var ports = new Ports(Loopback.FreePort(), Loopback.FreePort(), Loopback.FreePort());
        var environment = ShellEnvironment(directory, ports.Grpc);
        var serverOutput = new StringBuilder();
        using var broker = Collect(StartShell(directory, environment, $"exec {serve.Trim()} --urls http://127.0.0.1:{ports.Grpc} --CredBroker:HttpUrl=http://127.0.0.1:{ports.Http}"), serverOutput);
        Process? tools = null;
        try
        {
            await Loopback.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{ports.Http}/healthz"), () => broker.HasExited, () => Text(serverOutput));
            if (toolServer is not null)
            {
                tools = Collect(StartShell(directory, ToolServerEnvironment(environment, ports), AsBuilt(toolServer, ports)), serverOutput);
                await Loopback.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{ports.Tool}/healthz"), () => tools.HasExited, () => Text(serverOutput));
            }

            var script = new StringBuilder("exec 2>&1\nset -euo pipefail\n");
            for (var i = 0; i < run.Count; i++)
            {
                script.Append($"echo '{BlockMarker}{i}'\n").Append(OnPorts(run[i], ports)).Append('\n');
            }

            using var shell = StartShell(directory, environment, script.ToString());
            var output = await shell.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await shell.WaitForExitAsync(timeout.Token);

            Assert.That(shell.ExitCode, Is.Zero, $"a {document} block failed:\n{output}\nservers:\n{Text(serverOutput)}");
            Assert.That(Text(serverOutput), Does.Contain($"signing keys: {Path.Combine(directory, ".credbroker", "keys")}"));
            var printed = output.Split(BlockMarker).Skip(1).ToDictionary(s => int.Parse(s[..s.IndexOf('\n', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture), s => s);
            for (var i = 0; i < run.Count; i++)
            {
                foreach (var expected in Expected().Matches(run[i]).Select(m => m.Groups["text"].Value.TrimEnd()))
                {
                    Assert.That(printed[i], Does.Contain(expected), $"{document} block {i + 1} promises '{expected}'");
                }
            }
        }
        finally
        {
            foreach (var process in new[] { tools, broker }.OfType<Process>())
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            tools?.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed record Ports(int Grpc, int Http, int Tool);

    /// <summary>
    /// The tool server block with the sample run from its build output (where its appsettings.json is, so from there),
    /// after the block's own lines, which ran in the temporary directory.
    /// </summary>
    private static string AsBuilt(string block, Ports ports)
    {
        const string RunSample = "dotnet run --project samples/ToolServer";
        Assert.That(block, Does.Contain(RunSample), "the tool server block starts the sample");
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var sample = Path.Combine(Credbroker.RepositoryRoot(), "samples", "ToolServer", "bin", output.Parent!.Name, output.Name);
        return block.Replace(RunSample, $"cd '{sample}' && exec '{Credbroker.DotnetHost()}' ToolServer.dll --urls http://127.0.0.1:{ports.Tool}", StringComparison.Ordinal);
    }

    /// <summary>The sample's settings name the default broker ports; the test's broker listens on free ones.</summary>
    private static Dictionary<string, string> ToolServerEnvironment(Dictionary<string, string> environment, Ports ports) => new(environment)
    {
        ["CredBroker__Verifier__BrokerAddress"] = $"http://127.0.0.1:{ports.Grpc}",
        ["CredBroker__Verifier__JwksUri"] = $"http://127.0.0.1:{ports.Http}/.well-known/jwks.json",
    };

    private static Process Collect(Process process, StringBuilder output)
    {
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The shell blocks that follow <c>&lt;!-- readme-test: <paramref name="kind"/> --&gt;</c>, in order.</summary>
    internal static List<string> Blocks(string markdown, string kind) =>
        [.. MarkedBlock().Matches(markdown).Where(m => m.Groups["kind"].Value == kind).Select(m => m.Groups["body"].Value)];

    /// <summary>The README speaks of the default ports; the test's broker and tool server listen on free ones.</summary>
    private static string OnPorts(string block, Ports ports) => block
        .Replace("127.0.0.1:5081", $"127.0.0.1:{ports.Http}", StringComparison.Ordinal)
        .Replace("127.0.0.1:5080", $"127.0.0.1:{ports.Grpc}", StringComparison.Ordinal)
        .Replace("127.0.0.1:5090", $"127.0.0.1:{ports.Tool}", StringComparison.Ordinal);

    /// <summary>
    /// A PATH with <c>credbroker</c> and <c>credbroker-server</c> (the binaries built beside the tests) first, and the
    /// broker's address.
    /// </summary>
    private static Dictionary<string, string> ShellEnvironment(string directory, int grpc)
    {
        var bin = Directory.CreateDirectory(Path.Combine(directory, ".tools")).FullName;
        foreach (var (command, binary) in new[] { ("credbroker", "credbroker.dll"), ("credbroker-server", BrokerExecutable.Binary) })
        {
            var shim = Path.Combine(bin, command);
            File.WriteAllText(shim, $"#!/bin/sh\nexec '{Credbroker.DotnetHost()}' '{Path.Combine(AppContext.BaseDirectory, binary)}' \"$@\"\n");
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return new Dictionary<string, string>
        {
            ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["CREDBROKER_ADDRESS"] = $"http://127.0.0.1:{grpc}",
            ["NO_COLOR"] = "1",
        };
    }

    private static Process StartShell(string directory, IReadOnlyDictionary<string, string> environment, string script)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("CREDBROKER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [GeneratedRegex(@"<!-- readme-test: (?<kind>[\w-]+) -->\s*```(?:sh|bash)\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex MarkedBlock();

    [GeneratedRegex(@"^#=> (?<text>.+)$", RegexOptions.Multiline)]
    private static partial Regex Expected();
}
