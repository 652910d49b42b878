using System.Globalization;
using System.Text.RegularExpressions;

namespace CredBroker.Server.Tests.Configuration;

/// <summary>
/// A log event id names one kind of line, so an operator's alert or filter on it catches that line and
/// no other: no two <c>[LoggerMessage]</c> declarations in the shipped code may share an id, each id lies in
/// a range of its own assembly (documented at the top of that assembly's log class), and an assembly's lines
/// live in its one log class (<c>CoreLog</c>, <c>TokensLog</c>, <c>ServerLog</c>, <c>RedisLog</c>, <c>VerifierLog</c>).
/// </summary>
public sealed partial class LogEventIdTests
{
    /// <summary>Each assembly's id ranges, as its log class documents them.</summary>
    private static readonly Dictionary<string, (int From, int To)[]> Ranges = new(StringComparer.Ordinal)
    {
        ["CredBroker.Core"] = [(1000, 1099), (2000, 2099), (3000, 3199), (3300, 3399), (7000, 7099), (8000, 8099), (9000, 9099), (9500, 9599)],
        ["CredBroker.Tokens"] = [(6500, 6599)],
        ["CredBroker.Server"] = [(3200, 3299), (4000, 4099), (6000, 6199)],
        ["CredBroker.Redis"] = [(9100, 9199)],
        ["CredBroker.Verifier"] = [(5000, 5299)],
    };

    [Test]
    public void No_two_log_messages_share_an_event_id()
    {
        var declared = Declared();
        var shared = declared.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => d.File))}");

        Assert.That(declared, Has.Count.GreaterThan(50), "the scan found the log messages");
        Assert.That(shared, Is.Empty);
    }

    [Test]
    public void Every_event_id_is_in_a_range_of_its_assembly()
    {
        var outside = Declared()
            .Where(d => !Ranges.TryGetValue(d.Assembly, out var ranges) || !ranges.Any(r => d.Id >= r.From && d.Id <= r.To))
            .Select(d => $"{d.Id} in {d.Assembly} ({d.File})");

        Assert.That(outside, Is.Empty, "give each id a number in its assembly's ranges (see the log class), or give a new assembly its ranges here and in its log class");
    }

    [Test]
    public void An_assembly_logs_through_its_one_log_class()
    {
        var elsewhere = Declared()
            .Where(d => !d.File.EndsWith("Log.cs", StringComparison.Ordinal))
            .Select(d => $"{d.Id} in {d.Assembly} ({d.File})");
        var classes = Declared().Where(d => d.File.EndsWith("Log.cs", StringComparison.Ordinal)).GroupBy(d => d.Assembly)
            .Where(g => g.Select(d => d.File).Distinct().Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => d.File).Distinct())}");

        Assert.That(elsewhere, Is.Empty, "declare the line in the assembly's log class");
        Assert.That(classes, Is.Empty, "one log class per assembly");
    }

    [Test]
    public void Every_log_message_has_an_event_id()
    {
        var src = Path.Combine(Repository.Root, "src");
        var withoutId = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && AnyLoggerMessage().Count(text) != EventId().Count(text))
            .Select(Path.GetFileName);

        Assert.That(withoutId, Is.Empty);
    }

    private static List<(int Id, string Assembly, string File)> Declared()
    {
        var src = Path.Combine(Repository.Root, "src");
        return Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => EventId().Matches(File.ReadAllText(f)).Select(m => (
                Id: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                Assembly: Path.GetRelativePath(src, f).Split(Path.DirectorySeparatorChar)[0],
                File: Path.GetFileName(f))))
            .ToList();
    }

    [GeneratedRegex(@"\[LoggerMessage\(")]
    private static partial Regex AnyLoggerMessage();

    [GeneratedRegex(@"\[LoggerMessage\(\s*EventId\s*=\s*(\d+)")]
    private static partial Regex EventId();
}
