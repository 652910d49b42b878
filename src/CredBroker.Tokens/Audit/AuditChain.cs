namespace CredBroker.Core.Audit;

/// <summary>The first link of a chain that does not hold, named for a person to find it.</summary>
/// <param name="Position">0-based index of the bad event in what was checked.</param>
internal sealed record AuditChainBreak(long Position, long Seq, string EventId, string Problem)
{
    public override string ToString() => $"broken link at event {EventId} (seq {Seq}, entry {Position + 1}): {Problem}";
}

/// <summary>Seals events into a hash chain and checks one.</summary>
internal static class AuditChain
{
    /// <summary>The event at position <paramref name="seq"/> after the event whose hash is <paramref name="prevHash"/>.</summary>
    public static AuditEvent Seal(AuditEvent unsealed, long seq, string prevHash)
    {
        ArgumentNullException.ThrowIfNull(unsealed);
        var placed = unsealed with { Seq = seq, PrevHash = prevHash, Hash = string.Empty };
        return placed with { Hash = AuditCanonical.ComputeHash(placed) };
    }

    /// <summary>The events in order after the event at <paramref name="seq"/> whose hash is <paramref name="prevHash"/>.</summary>
    public static AuditEvent[] SealAll(IReadOnlyList<AuditEvent> unsealed, long seq, string prevHash)
    {
        ArgumentNullException.ThrowIfNull(unsealed);
        var sealedEvents = new AuditEvent[unsealed.Count];
        for (var i = 0; i < unsealed.Count; i++)
        {
            sealedEvents[i] = Seal(unsealed[i], ++seq, prevHash);
            prevHash = sealedEvents[i].Hash;
        }

        return sealedEvents;
    }

    /// <summary>
    /// The first broken link, or null when every event is intact and follows the one before. The
    /// first event checked may follow events no longer kept (retention), unless it claims to be the
    /// first ever (seq 1), which must follow the genesis hash.
    /// </summary>
    public static AuditChainBreak? Verify(IEnumerable<AuditEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        AuditEvent? previous = null;
        long position = 0;
        foreach (var e in events)
        {
            if (!string.Equals(AuditCanonical.ComputeHash(e), e.Hash, StringComparison.Ordinal))
            {
                return new AuditChainBreak(position, e.Seq, e.Id, "its content does not match its hash: the event was altered");
            }

            if (previous is null)
            {
                if (e.Seq == 1 && e.PrevHash != AuditCanonical.GenesisHash)
                {
                    return new AuditChainBreak(position, e.Seq, e.Id, "the first event does not start from the genesis hash");
                }
            }
            else if (e.PrevHash != previous.Hash || e.Seq != previous.Seq + 1)
            {
                return new AuditChainBreak(position, e.Seq, e.Id, $"it does not follow event {previous.Id} (seq {previous.Seq}): events between them were deleted, or events were reordered");
            }

            previous = e;
            position++;
        }

        return null;
    }
}
