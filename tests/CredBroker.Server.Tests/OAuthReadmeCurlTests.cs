using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using CredBroker.Protocol.V1;
using CredBroker.Server.Tests.Configuration;
using CredBroker.Testing.Broker;

namespace CredBroker.Server.Tests;

/// <summary>
/// The README's <c>curl</c> example for the token endpoint, run as written against a broker on loopback with the
/// dev policy it is written for; only the address and the assertion are put in, so the documented command cannot
/// silently rot.
/// </summary>
public sealed partial class OAuthReadmeCurlTests
{
    /// <summary>The README's own address of the broker's HTTP listener (CredBroker:HttpUrl in the dev profile).</summary>
    private const string DocumentedAddress = "http://127.0.0.1:5081";

    [Test]
    public async Task The_README_curl_example_gets_an_at_jwt_for_its_resource()
    {
        var block = CurlBlock(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md")));
        var agent = AgentLine().Match(block);
        Assert.That(agent.Success, Is.True, "the block defines AGENT with `dev identity <spiffe-id>`:\n" + block);
        var resource = ResourceParameter().Match(block).Groups["resource"].Value;
        var policy = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "src", "CredBroker.Server", "dev-policy.yaml"));

        await using var broker = await BrokerFixture.StartAsync(policy: policy, settings: OAuthClient.HttpListener);
        using var client = await OAuthClient.ForAsync(broker);
        var script = block
            .Replace(agent.Value, $"AGENT='{broker.IdentityToken(agent.Groups["id"].Value)}'", StringComparison.Ordinal)
            .Replace(DocumentedAddress, client.TokenEndpoint.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal);

        var (exitCode, output, errors) = await RunAsync(script);

        Assert.That(exitCode, Is.EqualTo(0), output + errors);
        var answer = JsonDocument.Parse(output).RootElement;
        Assert.That(answer.TryGetProperty("access_token", out _), Is.True, output);
        var token = answer.GetProperty("access_token").GetString()!;
        var parts = TokenParts.Parse(token);
        var introspected = await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As("spiffe://dev.local/tools/tickets"));
        Assert.Multiple(() =>
        {
            Assert.That(resource, Is.EqualTo("https://tickets.dev.local"));
            Assert.That(answer.GetProperty("token_type").GetString(), Is.EqualTo("Bearer"));
            Assert.That(parts.Header.GetProperty("typ").GetString(), Is.EqualTo("at+jwt"));
            Assert.That(parts.Payload.GetProperty("aud").GetString(), Is.EqualTo(resource));
            Assert.That(introspected.Active, Is.True, introspected.Reason);
            Assert.That(introspected.Aud, Is.EqualTo(resource));
            Assert.That(answer.GetProperty("authorization_details")[0].GetProperty("task_id").GetString(), Is.EqualTo("t-42"));
        });
    }

    /// <summary>The first <c>sh</c> block of the "OAuth and MCP" section that runs curl.</summary>
    private static string CurlBlock(string readme)
    {
        var section = readme[readme.IndexOf("\n## OAuth and MCP\n", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        return ShellBlock().Matches(section).Select(m => m.Groups["body"].Value).First(b => b.Contains("curl ", StringComparison.Ordinal));
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string script)
    {
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex(@"```sh\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"^AGENT=\$\(.* dev identity (?<id>spiffe://\S+) .*\)$", RegexOptions.Multiline)]
    private static partial Regex AgentLine();

    [GeneratedRegex(@"--data-urlencode resource=(?<resource>\S+)")]
    private static partial Regex ResourceParameter();
}
