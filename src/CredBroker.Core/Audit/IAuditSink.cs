namespace CredBroker.Core.Audit;

/// <summary>
/// Somewhere audit events are kept. Each sink keeps its own hash chain: it seals the event with its
/// next position and the hash of its last event (<see cref="AuditChain.Seal"/>) and stores it, as one
/// atomic step shared by every replica that writes to it.
/// </summary>
public interface IAuditSink
{
    /// <summary>A short name for logs and metrics, e.g. <c>memory</c>, <c>redis</c>, <c>file</c>.</summary>
    string Name { get; }

    /// <summary>Seals and stores the event. Throws <see cref="AuditSinkUnavailableException"/> when it could not.</summary>
    ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken);
}

/// <summary>A sink that can be read back (the store's): what <c>credbroker audit tail</c> and <c>verify</c> read through the broker.</summary>
public interface IAuditReader
{
    /// <summary>Events after <paramref name="afterCursor"/> (null: from the oldest kept), oldest first, at most <paramref name="max"/>.</summary>
    ValueTask<IReadOnlyList<AuditRecord>> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="cursor"/> has the form this reader hands out.</summary>
    bool IsCursor(string cursor);
}

/// <summary>An event with the reader's cursor, to resume after it.</summary>
public sealed record AuditRecord(string Cursor, AuditEvent Event);

public sealed class AuditSinkUnavailableException : Exception
{
    public AuditSinkUnavailableException()
    {
    }

    public AuditSinkUnavailableException(string message)
        : base(message)
    {
    }

    public AuditSinkUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
