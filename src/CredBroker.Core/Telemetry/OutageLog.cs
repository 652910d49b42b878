using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Telemetry;

/// <summary>
/// How a dependency's outage reads in the log: one warning when it goes down, then a summary at most every
/// <see cref="SummaryInterval"/> while it stays down (how long, how many operations failed), and one line when it
/// is back. Each failure itself is logged at Debug by its caller, so a dead Redis under load is a handful of
/// lines, not a storm of stack traces.
/// </summary>
public sealed partial class OutageLog(string dependency, ILogger logger, TimeProvider time)
{
    /// <summary>Between two summaries of the same outage.</summary>
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(30);

    private readonly Lock gate = new();
    private DateTimeOffset? since;
    private DateTimeOffset lastSummary;
    private long failures;

    /// <summary>Whether the dependency is down as far as this log knows.</summary>
    public bool IsDown
    {
        get
        {
            lock (gate)
            {
                return since is not null;
            }
        }
    }

    /// <summary>One operation failed because the dependency did not answer.</summary>
    public void Failed(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var now = time.GetUtcNow();
        lock (gate)
        {
            failures++;
            if (since is null)
            {
                since = now;
                lastSummary = now;
                // The reason without its stack trace: the innermost message says what is wrong (refused, timeout).
                CoreLog.OutageLogDown(logger, dependency, Reason(error), SummaryInterval.TotalSeconds);
            }
            else if (now - lastSummary >= SummaryInterval)
            {
                lastSummary = now;
                CoreLog.OutageLogStillDown(logger, dependency, (long)(now - since.Value).TotalSeconds, failures);
            }
        }
    }

    /// <summary>One operation succeeded: ends the outage, if there was one.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref failures) == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        lock (gate)
        {
            if (since is { } start)
            {
                CoreLog.OutageLogBack(logger, dependency, (long)(now - start).TotalSeconds, failures);
            }

            since = null;
            failures = 0;
        }
    }

    /// <summary>The innermost message's first clause ("Connection refused", "SocketClosed on host:port/Interactive"), without the client's state dump.</summary>
    private static string Reason(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        var text = e.Message.ReplaceLineEndings(" ");
        var comma = text.IndexOf(", ", StringComparison.Ordinal);
        return comma > 0 ? text[..comma] : text;
    }
}
