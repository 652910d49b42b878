using CredBroker.Core.Telemetry;
using CredBroker.Testing.Broker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Core.Tests.Telemetry;

/// <summary>An outage reads as one warning, a summary every 30 s while it lasts, and one line when it ends.</summary>
public sealed class OutageLogTests
{
    private FakeTimeProvider time = null!;
    private CapturedLogs logs = null!;

    [SetUp]
    public void Create()
    {
        time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));
        logs = new CapturedLogs();
    }

    [TearDown]
    public void Dispose() => logs.Dispose();

    [Test]
    public void Failures_are_one_warning_a_summary_each_interval_and_one_line_when_back()
    {
        var outage = new OutageLog("Redis", logs.CreateLogger("test"), time);

        for (var second = 0; second < 65; second++)
        {
            outage.Failed(new IOException("Connection refused, mc: 1/1/0, state dump"));
            outage.Failed(new IOException("Connection refused"));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        outage.Succeeded();
        outage.Succeeded();

        Assert.That(logs.Entries.Select(e => (e.Level, e.Message)), Is.EqualTo(new[]
        {
            (LogLevel.Warning, "Redis unavailable: Connection refused; what needs it fails closed; a summary follows every 30 s until it is back"),
            (LogLevel.Warning, "Redis still unavailable after 30 s; 61 operations failed closed so far"),
            (LogLevel.Warning, "Redis still unavailable after 60 s; 121 operations failed closed so far"),
            (LogLevel.Information, "Redis is back after 65 s; 130 operations failed closed meanwhile"),
        }));
        Assert.That(logs.Entries.Select(e => e.Error), Has.All.Null, "no stack traces");
        Assert.That(outage.IsDown, Is.False);
    }

    [Test]
    public void Successes_without_an_outage_log_nothing()
    {
        var outage = new OutageLog("audit sink file", logs.CreateLogger("test"), time);

        outage.Succeeded();

        Assert.That(logs.Entries, Is.Empty);
    }
}
