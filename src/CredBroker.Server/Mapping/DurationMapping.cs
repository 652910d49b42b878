using Google.Protobuf.WellKnownTypes;

namespace CredBroker.Server.Mapping;

public static class DurationMapping
{
    /// <summary>
    /// A Duration whose parts disagree in sign or overflow is not a duration; it maps to a
    /// negative span so validation refuses it by name rather than the mapping throwing.
    /// </summary>
    public static TimeSpan ToTimeSpan(Duration duration)
    {
        ArgumentNullException.ThrowIfNull(duration);
        if (duration.Seconds < 0 || duration.Nanos < 0 || duration.Seconds > 315_576_000_000L)
        {
            return TimeSpan.FromTicks(-1);
        }

        return duration.ToTimeSpan();
    }
}
