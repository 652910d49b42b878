using CredBroker.Core;
using CredBroker.Server.Errors;
using Google.Protobuf.WellKnownTypes;

namespace CredBroker.Server.Mapping;

public static class DurationMapping
{
    private const int MaxNanos = 999_999_999;

    /// <summary>
    /// A request's Duration as a span, or INVALID_ARGUMENT naming <paramref name="field"/>. A Duration
    /// whose <c>nanos</c> leave ±999,999,999 or disagree in sign with <c>seconds</c> is no duration at
    /// all (google/protobuf/duration.proto); one too long for a span saturates to the longest span, so
    /// Core refuses it with the field's real limit (e.g. "ttl: must be at most 24h") rather than the
    /// conversion throwing and the caller seeing UNKNOWN.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT when the Duration is malformed.</exception>
    public static TimeSpan ToTimeSpan(Duration duration, string field)
    {
        ArgumentNullException.ThrowIfNull(duration);
        var (seconds, nanos) = (duration.Seconds, duration.Nanos);
        if (nanos is < -MaxNanos or > MaxNanos || (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0))
        {
            throw RpcErrors.From(Refusal.Invalid(field, $"not a Duration: nanos must be between -{MaxNanos} and {MaxNanos} and have the sign of seconds"));
        }

        if (seconds >= (long)TimeSpan.MaxValue.TotalSeconds)
        {
            return TimeSpan.MaxValue;
        }

        if (seconds <= (long)TimeSpan.MinValue.TotalSeconds)
        {
            return TimeSpan.MinValue;
        }

        return TimeSpan.FromSeconds(seconds) + TimeSpan.FromTicks(nanos / 100);
    }
}
