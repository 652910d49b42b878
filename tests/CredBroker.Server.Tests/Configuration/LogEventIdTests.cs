using System.Text.RegularExpressions;

namespace CredBroker.Server.Tests.Configuration;

/// <summary>
/// A log event id names one kind of line, so an operator's alert or filter on it catches that line and
/// no other: no two <c>[LoggerMessage]</c> declarations in the shipped code may share an id.
/// </summary>
public sealed partial class LogEventIdTests
{
    [Test]
    public void No_two_log_messages_share_an_event_id()
    {
        var declared = Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => EventId().Matches(File.ReadAllText(f)).Select(m => (Id: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), File: Path.GetFileName(f))))
            .ToList();

        var shared = declared.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => d.File))}");

        Assert.That(declared, Has.Count.GreaterThan(50), "the scan found the log messages");
        Assert.That(shared, Is.Empty);
    }

    [GeneratedRegex(@"\[LoggerMessage\(\s*EventId\s*=\s*(\d+)")]
    private static partial Regex EventId();
}
