namespace CredBroker.Core.Audit;

/// <summary>Settings of the audit log (section <c>CredBroker:Audit</c>).</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>
    /// A JSON-lines file every event is also appended to (one canonical event per line, its own hash
    /// chain), for shipping to a SIEM. Default: none.
    /// </summary>
    public string? File { get; set; }

    /// <summary>
    /// How many events the in-memory store keeps; the oldest are dropped first. Default: 10000, a few MB: the
    /// in-memory log is for a one-process broker; keep history in Redis or the <see cref="File"/>.
    /// </summary>
    public int MemoryMaxEvents { get; set; } = 10_000;

    /// <summary>
    /// How often each sink gets a checkpoint of its chain head signed with the audit key (when its head
    /// moved), besides one at shutdown. Events newer than the last checkpoint are protected by the hash
    /// chain alone. Default: 60 seconds; at least 1 second.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(60);
}
