using System.Collections.Concurrent;

namespace CredBroker.Core.Audit;

/// <summary>
/// Which sinks failed their last append: a durable sink that cannot take events makes the broker
/// not ready (as well as failing its grants closed), until an append to it succeeds again.
/// </summary>
public sealed class AuditSinkHealth
{
    private readonly ConcurrentDictionary<string, string> failing = new(StringComparer.Ordinal);

    public void Succeeded(IAuditSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        failing.TryRemove(sink.Name, out _);
    }

    public void Failed(IAuditSink sink, Exception error)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(error);
        failing[sink.Name] = error.Message;
    }

    /// <summary>Why <paramref name="sink"/>'s last append failed; null when it succeeded or was never tried.</summary>
    public string? LastFailure(IAuditSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return failing.TryGetValue(sink.Name, out var why) ? why : null;
    }
}
