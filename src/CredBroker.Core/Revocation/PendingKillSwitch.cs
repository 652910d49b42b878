namespace CredBroker.Core.Revocation;

/// <summary>
/// The kill switch when the store could not take its write (full or down): engaged in this broker's
/// memory at once, so this replica refuses grants, answers introspection inactive and pushes the rule to
/// the verifiers it serves, until the rule is written to the store. Other replicas learn of it only then.
/// </summary>
public sealed class PendingKillSwitch(TimeProvider time)
{
    private readonly Lock gate = new();
    private RevocationRule? rule;
    private RevocationDraft? draft;

    /// <summary>The rule held in memory only; null when none waits for the store.</summary>
    public RevocationRule? Rule
    {
        get
        {
            lock (gate)
            {
                return rule;
            }
        }
    }

    /// <summary>The write still owed to the store; null when none.</summary>
    public RevocationDraft? Draft
    {
        get
        {
            lock (gate)
            {
                return draft;
            }
        }
    }

    /// <summary>Engages it in memory; a second engagement while one waits keeps the first one's time.</summary>
    public RevocationRule Engage(RevocationDraft pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        lock (gate)
        {
            // Stands until written and then lifted through the store: no lift, no expiry (invariant 4).
            rule ??= new RevocationRule(RevocationKind.All, string.Empty, time.GetUtcNow(), LiftedAt: null, pending.Reason, ExpiresAt: null, pending.By);
            draft ??= pending;
            return rule;
        }
    }

    /// <summary>The store took the write: from now on the stored rule is the one in force.</summary>
    public void Stored(RevocationDraft written)
    {
        lock (gate)
        {
            if (ReferenceEquals(draft, written))
            {
                rule = null;
                draft = null;
            }
        }
    }
}
