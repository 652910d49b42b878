using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CredBroker.Testing.Processes;

namespace CredBroker.Cli.Tests;

/// <summary>
/// The README's quick start and walk-through, run as written: the block marked <c>&lt;!-- readme-test: serve --&gt;</c>
/// starts a fresh broker in a temporary directory, the blocks marked <c>&lt;!-- readme-test: run --&gt;</c> run in
/// order in one shell against it, and each block must print every line its <c>#=&gt;</c> comments show. Blocks
/// without a marker (installing the tool, other sections) are left alone, so README additions elsewhere do not
/// break this test. <c>credbroker</c> is the binary built beside these tests.
/// </summary>
public sealed partial class ReadmeTests
{
    private const string BlockMarker = "::readme-block ";

    [Test]
    public async Task The_quick_start_and_walk_through_print_what_the_README_says()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Credbroker.RepositoryRoot(), "README.md"));
        var serve = Blocks(readme, "serve").Single();
        var run = Blocks(readme, "run");
        Assert.That(run, Has.Count.GreaterThanOrEqualTo(3), "the walk-through's blocks are marked");

        var directory = Directory.CreateTempSubdirectory("credbroker-readme-").FullName;
        var grpc = Loopback.FreePort();
        var http = Loopback.FreePort();
        var environment = ShellEnvironment(directory, grpc);
        using var broker = StartShell(directory, environment, $"exec {serve.Trim()} --urls http://127.0.0.1:{grpc} --CredBroker:HttpUrl=http://127.0.0.1:{http}");
        var brokerOutput = new StringBuilder();
        broker.OutputDataReceived += (_, e) => { lock (brokerOutput) { brokerOutput.AppendLine(e.Data); } };
        broker.ErrorDataReceived += (_, e) => { lock (brokerOutput) { brokerOutput.AppendLine(e.Data); } };
        broker.BeginOutputReadLine();
        broker.BeginErrorReadLine();
        try
        {
            await Loopback.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{http}/healthz"), () => broker.HasExited, () => Text(brokerOutput));

            var script = new StringBuilder("exec 2>&1\nset -euo pipefail\n");
            for (var i = 0; i < run.Count; i++)
            {
                script.Append($"echo '{BlockMarker}{i}'\n").Append(OnPorts(run[i], grpc, http)).Append('\n');
            }

            using var shell = StartShell(directory, environment, script.ToString());
            var output = await shell.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await shell.WaitForExitAsync(timeout.Token);

            Assert.That(shell.ExitCode, Is.Zero, $"a README block failed:\n{output}\nbroker:\n{Text(brokerOutput)}");
            Assert.That(Text(brokerOutput), Does.Contain($"signing keys: {Path.Combine(directory, ".credbroker", "keys")}"));
            var printed = output.Split(BlockMarker).Skip(1).ToDictionary(s => int.Parse(s[..s.IndexOf('\n', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture), s => s);
            for (var i = 0; i < run.Count; i++)
            {
                foreach (var expected in Expected().Matches(run[i]).Select(m => m.Groups["text"].Value.TrimEnd()))
                {
                    Assert.That(printed[i], Does.Contain(expected), $"README block {i + 1} promises '{expected}'");
                }
            }
        }
        finally
        {
            broker.Kill(entireProcessTree: true);
            await broker.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The shell blocks that follow <c>&lt;!-- readme-test: <paramref name="kind"/> --&gt;</c>, in order.</summary>
    internal static List<string> Blocks(string markdown, string kind) =>
        [.. MarkedBlock().Matches(markdown).Where(m => m.Groups["kind"].Value == kind).Select(m => m.Groups["body"].Value)];

    /// <summary>The README speaks of the default ports; the test's broker listens on free ones.</summary>
    private static string OnPorts(string block, int grpc, int http) =>
        block.Replace("127.0.0.1:5081", $"127.0.0.1:{http}", StringComparison.Ordinal).Replace("127.0.0.1:5080", $"127.0.0.1:{grpc}", StringComparison.Ordinal);

    /// <summary>A PATH with <c>credbroker</c> (the binary built beside the tests) first, and the broker's address.</summary>
    private static Dictionary<string, string> ShellEnvironment(string directory, int grpc)
    {
        var bin = Directory.CreateDirectory(Path.Combine(directory, ".tools")).FullName;
        var shim = Path.Combine(bin, "credbroker");
        File.WriteAllText(shim, $"#!/bin/sh\nexec '{Credbroker.DotnetHost()}' '{Path.Combine(AppContext.BaseDirectory, "credbroker.dll")}' \"$@\"\n");
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
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

    [GeneratedRegex(@"<!-- readme-test: (?<kind>\w+) -->\s*```(?:sh|bash)\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex MarkedBlock();

    [GeneratedRegex(@"^#=> (?<text>.+)$", RegexOptions.Multiline)]
    private static partial Regex Expected();
}
