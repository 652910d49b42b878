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

    /// <summary>
    /// Whether this sink is a record that outlives the process (a file, a Redis stream). When any
    /// durable sink is configured, a decision stands only once every durable sink took its event: the
    /// in-memory sink never counts as the record then. Default: true, so an unknown sink is trusted
    /// with the record rather than ignored.
    /// </summary>
    bool Durable => true;

    /// <summary>Seals and stores the event. Throws <see cref="AuditSinkUnavailableException"/> when it could not.</summary>
    ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken);

    /// <summary>
    /// The newest event's position and hash, read from where the sink keeps them (so it doubles as
    /// a readiness probe). Throws <see cref="AuditSinkUnavailableException"/> when it cannot tell.
    /// </summary>
    ValueTask<AuditHead> ReadHeadAsync(CancellationToken cancellationToken);
}

/// <summary>A sink that can be read back (the store's): what <c>credbroker audit tail</c> and <c>verify</c> read through the broker.</summary>
public interface IAuditReader
{
    /// <summary>Events after <paramref name="afterCursor"/> (null: from the oldest kept), oldest first, at most <paramref name="max"/>.</summary>
    ValueTask<IReadOnlyList<AuditRecord>> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="cursor"/> has the form this reader hands out.</summary>
    bool IsCursor(string cursor);

    /// <summary>The chain head kept beside the log (Redis: the chain-head key), to tell whether the log still reaches it.</summary>
    ValueTask<AuditHead> ReadHeadAsync(CancellationToken cancellationToken);
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
