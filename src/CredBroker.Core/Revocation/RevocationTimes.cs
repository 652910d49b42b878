namespace CredBroker.Core.Revocation;

/// <summary>The arithmetic every log implementation shares, so stores cannot disagree on rule times.</summary>
public static class RevocationTimes
{
    /// <summary>
    /// A lift time is rounded up to a whole second: tokens carry whole-second <c>iat</c>, so a token
    /// minted in the lift's second is covered, and the broker refuses grants until that second ends
    /// rather than minting a token that is dead on arrival.
    /// </summary>
    public static DateTimeOffset Lift(DateTimeOffset now, TimeSpan after)
    {
        var ms = now.ToUnixTimeMilliseconds() + (long)after.TotalMilliseconds;
        return DateTimeOffset.FromUnixTimeMilliseconds((ms + 999) / 1000 * 1000);
    }

    public static RevocationRule Stamp(RevocationDraft draft, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(draft);
        DateTimeOffset? lifted = draft.LiftAfter is { } after ? Lift(now, after) : null;
        DateTimeOffset? expires = draft.ExpireAfter is { } keep ? now + keep : null;
        if (lifted is { } l && expires is { } e && e < l)
        {
            expires = l;
        }

        return new RevocationRule(draft.Kind, draft.Subject, now, lifted, draft.Reason, expires, draft.By);
    }
}
