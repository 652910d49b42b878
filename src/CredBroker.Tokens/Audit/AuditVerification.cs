using System.Security.Cryptography;

namespace CredBroker.Core.Audit;

/// <summary>What to hold a log against besides its own hash chain.</summary>
/// <param name="Keys">The published audit keys (kid to public key); null when checkpoints cannot be checked.</param>
/// <param name="ExpectedHead">A head the reader noted earlier (<c>--expect-head</c>): the log must still hold it.</param>
/// <param name="ChainHead">The head the store keeps beside the log (the Redis chain-head key), read before the log.</param>
/// <param name="MaxUnsignedAge">How much older than the newest event an event may be and still not be covered by a checkpoint.</param>
internal sealed record AuditExpectations(IReadOnlyDictionary<string, ECDsa>? Keys, AuditHead? ExpectedHead, AuditHead? ChainHead, TimeSpan MaxUnsignedAge);

/// <summary>The outcome of <see cref="AuditVerification.Verify"/>.</summary>
/// <param name="SignedThrough">The newest event seq a valid checkpoint attests; null when none does.</param>
internal sealed record AuditVerificationResult(AuditChainBreak? Broken, int Checkpoints, long? SignedThrough);

/// <summary>
/// Checks a log read oldest first: the hash chain, every signed checkpoint against the events it
/// attests, that no old stretch of events lacks a checkpoint (checkpoints removed and the chain
/// recomputed), and that the log still reaches the expected head and the store's chain head
/// (newest events removed together with their hashes).
/// </summary>
internal static class AuditVerification
{
    public static AuditVerificationResult Verify(IReadOnlyList<AuditEvent> events, AuditExpectations expect)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(expect);
        var checkpoints = events.Count(e => e.Kind == AuditKinds.Checkpoint);
        if (AuditChain.Verify(events) is { } broken)
        {
            return new AuditVerificationResult(broken, checkpoints, null);
        }

        long? signedThrough = null;
        if (expect.Keys is { } keys)
        {
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i];
                if (e.Kind != AuditKinds.Checkpoint)
                {
                    continue;
                }

                var (head, problem) = AuditCheckpoint.Check(e, keys);
                problem ??= Mismatch(events, head!, "the checkpoint signed");
                if (problem is not null)
                {
                    return new AuditVerificationResult(new AuditChainBreak(i, e.Seq, e.Id, $"checkpoint {e.Id} (seq {e.Seq}): {problem}"), checkpoints, signedThrough);
                }

                signedThrough = Math.Max(signedThrough ?? 0, head!.Seq);
            }

            if (Unsigned(events, signedThrough, expect.MaxUnsignedAge) is { } gap)
            {
                return new AuditVerificationResult(gap, checkpoints, signedThrough);
            }
        }

        var end = EndProblem(events, expect.ExpectedHead, "the expected head") ?? EndProblem(events, expect.ChainHead, "the store's chain head");
        return new AuditVerificationResult(end, checkpoints, signedThrough);
    }

    /// <summary>Why the log's event at <paramref name="head"/>'s seq does not have its hash; null when it does or was not kept.</summary>
    private static string? Mismatch(IReadOnlyList<AuditEvent> events, AuditHead head, string who)
    {
        if (events.Count == 0 || head.Seq < events[0].Seq || head.Seq > events[^1].Seq)
        {
            return null;
        }

        // After the chain check, seqs are consecutive.
        var actual = events[(int)(head.Seq - events[0].Seq)].Hash;
        return actual == head.Hash
            ? null
            : $"{who} hash {head.Hash} for event seq {head.Seq}, but the log's event seq {head.Seq} has hash {actual}: the history up to it was rewritten";
    }

    /// <summary>The first event that no checkpoint covers although it is older than the allowed age (checkpoints themselves excepted).</summary>
    private static AuditChainBreak? Unsigned(IReadOnlyList<AuditEvent> events, long? signedThrough, TimeSpan maxAge)
    {
        if (events.Count == 0)
        {
            return null;
        }

        var newest = events[^1].Time;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Kind != AuditKinds.Checkpoint && e.Seq > (signedThrough ?? 0) && e.Time < newest - maxAge)
            {
                return new AuditChainBreak(i, e.Seq, e.Id, $"no signed checkpoint covers it although newer events are {Age(newest - e.Time)} younger: checkpoints were removed and the chain recomputed, or the broker could not write them");
            }
        }

        return null;
    }

    /// <summary>Whether the log still holds <paramref name="head"/>: the event at its seq has its hash (events after it are newer appends).</summary>
    private static AuditChainBreak? EndProblem(IReadOnlyList<AuditEvent> events, AuditHead? head, string who)
    {
        if (head is null)
        {
            return null;
        }

        var lastSeq = events.Count > 0 ? events[^1].Seq : 0;
        var lastId = events.Count > 0 ? events[^1].Id : "(none)";
        string? problem;
        if (head.Seq > lastSeq)
        {
            problem = $"the log ends at seq {lastSeq}, but {who} is seq {head.Seq}: the newest events were removed";
        }
        else if (events.Count == 0)
        {
            problem = null;
        }
        else if (head.Seq == events[0].Seq - 1)
        {
            // The head is the event just before the oldest one kept (seq 0: the genesis).
            problem = events[0].PrevHash == head.Hash ? null : $"{who} hash {head.Hash} for seq {head.Seq}, but the log's first event follows hash {events[0].PrevHash}";
        }
        else if (head.Seq < events[0].Seq)
        {
            problem = $"{who} (seq {head.Seq}) is older than the oldest event kept (seq {events[0].Seq}); it cannot be checked";
        }
        else
        {
            problem = Mismatch(events, head, who);
        }

        return problem is null ? null : new AuditChainBreak(events.Count, head.Seq, lastId, problem);
    }

    private static string Age(TimeSpan span) => span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min" : $"{(int)span.TotalSeconds} s";
}
