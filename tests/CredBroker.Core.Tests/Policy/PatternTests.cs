using CredBroker.Core.Policy;

namespace CredBroker.Core.Tests.Policy;

public sealed class PatternTests
{
    [TestCase("tickets.*", "tickets.read", true)]
    [TestCase("tickets.*", "tickets.comments.write", true)]
    [TestCase("tickets.*", "tickets", false)]
    [TestCase("tickets.*", "ticketsx.read", false)]
    [TestCase("*", "anything.at.all", true)]
    [TestCase("tickets.read", "tickets.read", true)]
    [TestCase("tickets.read", "tickets.readx", false)]
    public void Tool_patterns(string pattern, string tool, bool matches) =>
        Assert.That(new NamePattern(pattern).Matches(tool), Is.EqualTo(matches));

    [TestCase("triage ticket *", "triage ticket 42", true)]
    [TestCase("triage ticket *", "please triage ticket 42", false)]
    [TestCase("* for *", "backup for team-a", true)]
    [TestCase("* for *", "backup", false)]
    [TestCase("nightly build", "nightly build", true)]
    [TestCase("nightly build", "nightly build and deploy", false)]
    [TestCase("a*a", "a", false)]
    public void Purpose_patterns(string pattern, string purpose, bool matches) =>
        Assert.That(new PurposePattern(pattern).Matches(purpose), Is.EqualTo(matches));

    [TestCase("30/m", 30, 60)]
    [TestCase("5/s", 5, 1)]
    [TestCase("100/h", 100, 3600)]
    [TestCase("10/90s", 10, 90)]
    public void Rate_limits_parse(string text, int count, int seconds)
    {
        Assert.That(RateLimit.TryParse(text, out var limit), Is.True);
        Assert.That(limit, Is.EqualTo(new RateLimit(count, TimeSpan.FromSeconds(seconds))));
    }

    [TestCase("0/m")]
    [TestCase("30")]
    [TestCase("30/week")]
    [TestCase("/m")]
    [TestCase("3/500ms")]
    public void Bad_rate_limits_are_refused(string text) => Assert.That(RateLimit.TryParse(text, out _), Is.False);
}
