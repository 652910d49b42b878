using System.Text.RegularExpressions;
using CredBroker.Server.Tests.Configuration;

namespace CredBroker.Server.Tests.Documentation;

/// <summary>
/// The documents stand on their own in a clone: every link and path resolves inside the repository, and the only
/// URLs are the broker's own loopback addresses and reserved example names (RFC 2606, RFC 6761).
/// </summary>
public sealed partial class DocumentLinkTests
{
    private static readonly string[] AllowedHostSuffixes = ["127.0.0.1", "localhost", "0.0.0.0", ".example", "example.org", "example.com", ".local", ".test", "[::1]"];

    private static IEnumerable<string> Documents() =>
        Directory.EnumerateFiles(Repository.Root, "*.md", SearchOption.AllDirectories)
            .Where(f => !Regex.IsMatch(Path.GetRelativePath(Repository.Root, f), @"(^|/)(bin|obj|\.git|TestResults|BenchmarkDotNet\.Artifacts|\.tools|nupkg)/"));

    [Test]
    public void The_documents_are_found() => Assert.That(Documents().Select(f => Path.GetRelativePath(Repository.Root, f)), Does.Contain("README.md").And.Contain(Path.Combine("docs", "design.md")));

    [Test]
    public void No_document_points_outside_the_repository()
    {
        var problems = new List<string>();
        foreach (var file in Documents())
        {
            var name = Path.GetRelativePath(Repository.Root, file);
            var directory = Path.GetDirectoryName(file)!;
            var text = File.ReadAllText(file);
            foreach (var target in Link().Matches(text).Select(m => m.Groups["target"].Value))
            {
                if (target.StartsWith('#') || Url().IsMatch(target))
                {
                    continue;
                }

                var path = Path.GetFullPath(Path.Combine(directory, target.Split('#')[0]));
                if (!Inside(path) || !(File.Exists(path) || Directory.Exists(path)))
                {
                    problems.Add($"{name}: link ({target}) is not a file of the repository");
                }
            }

            foreach (var relative in ParentPath().Matches(text).Select(m => m.Value))
            {
                if (!Inside(Path.GetFullPath(Path.Combine(directory, relative))))
                {
                    problems.Add($"{name}: '{relative}' lies outside the repository");
                }
            }

            foreach (var url in Url().Matches(text).Select(m => m.Value))
            {
                // Placeholders such as http://<host>:5080 are not URLs of anything; judge the host as written.
                var host = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : url.Split("://")[1].Split('/', ':')[0];
                if (host.StartsWith('<') || host is "*" or "+")
                {
                    continue;
                }

                if (!AllowedHostSuffixes.Any(s => host.EndsWith(s, StringComparison.OrdinalIgnoreCase) || $"[{host}]" == s))
                {
                    problems.Add($"{name}: {url} points outside the repository");
                }
            }

            if (text.Contains("/work/", StringComparison.Ordinal) || text.Contains("shared/DESIGN", StringComparison.Ordinal))
            {
                problems.Add($"{name}: names a path of someone's machine, not of the repository");
            }
        }

        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void The_check_catches_a_link_out_of_the_repository() =>
        Assert.That(Inside(Path.GetFullPath(Path.Combine(Repository.Root, "../shared/DESIGN.md"))), Is.False);

    private static bool Inside(string path) =>
        path == Repository.Root || path.StartsWith(Repository.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"(?<![\w./-])(\.\./)+[\w./-]*")]
    private static partial Regex ParentPath();

    [GeneratedRegex(@"https?://[^\s)`'""<>\],;]*[^\s)`'""<>\],;.]")]
    private static partial Regex Url();
}
