using System.Diagnostics;
using CredBroker.Cli.Output;
using CredBroker.Testing.Processes;

namespace CredBroker.Cli.Tests;

/// <summary>Colour for a person at a terminal; never for a script, a file or someone who set NO_COLOR.</summary>
public sealed class ColourTests
{
    private const char Escape = '\u001b';

    [TestCase(false, null, ExpectedResult = true, TestName = "A terminal without NO_COLOR is coloured")]
    [TestCase(false, "", ExpectedResult = true, TestName = "An empty NO_COLOR counts as unset")]
    [TestCase(false, "1", ExpectedResult = false, TestName = "NO_COLOR=1 turns colour off")]
    [TestCase(false, "false", ExpectedResult = false, TestName = "Any non-empty NO_COLOR turns colour off")]
    [TestCase(true, null, ExpectedResult = false, TestName = "A redirected stream is not coloured")]
    public bool Colour_is_wanted_only_on_a_terminal_without_NO_COLOR(bool redirected, string? noColor) => Colour.Wanted(redirected, noColor);

    [Test]
    public void Errors_are_red_notices_yellow_and_a_live_token_green_and_other_lines_unchanged()
    {
        using var text = new StringWriter();
        var writer = Colour.For(text, redirected: false, noColor: null);

        writer.WriteLine("error: PERMISSION_DENIED: no");
        writer.WriteLine("notice: granted for 5m");
        writer.WriteLine("active");
        writer.WriteLine("grant_id  g-1");

        Assert.That(text.ToString().Split(Environment.NewLine), Is.EqualTo(new[]
        {
            "\u001b[31merror: PERMISSION_DENIED: no\u001b[0m", "\u001b[33mnotice: granted for 5m\u001b[0m", "\u001b[32mactive\u001b[0m", "grant_id  g-1", string.Empty,
        }));
    }

    [Test]
    public async Task Redirected_output_carries_no_escape_codes_even_without_NO_COLOR()
    {
        // No identity token: a refusal on stderr without needing a broker.
        var run = await Credbroker.RunAsync(new Dictionary<string, string> { ["NO_COLOR"] = string.Empty }, null, "grant", "list");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.StartWith("error: no identity token"));
        Assert.That(run.Stdout + run.Stderr, Does.Not.Contain(Escape));
    }

    [Test]
    public async Task On_a_terminal_an_error_is_red_unless_NO_COLOR_is_set()
    {
        var coloured = await OnTerminalAsync(null, "grant", "list");
        var plain = await OnTerminalAsync("1", "grant", "list");

        // .NET itself sets the terminal's keypad mode (ESC [?1h ESC =) on a terminal; only colour codes count here.
        Assert.That(coloured, Does.Contain("\u001b[31merror: no identity token"));
        Assert.That(plain, Does.Contain("error: no identity token").And.Not.Contain("\u001b[3"));
    }

    /// <summary>Runs the CLI under <c>script</c>, which gives it a pseudo-terminal for stdout and stderr.</summary>
    private static async Task<string> OnTerminalAsync(string? noColor, params string[] args)
    {
        var command = string.Join(' ', new[] { Credbroker.DotnetHost(), Path.Combine(AppContext.BaseDirectory, "credbroker.dll") }.Concat(args).Select(a => $"'{a}'"));
        var start = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-qec", command, "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("NO_COLOR");
        if (noColor is not null)
        {
            start.Environment["NO_COLOR"] = noColor;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start script");
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return output;
    }
}
