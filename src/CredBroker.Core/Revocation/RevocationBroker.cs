using CredBroker.Core.Audit;
using CredBroker.Core.Identity;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using CredBroker.Core.Validation;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Revocation;

/// <summary>
/// Mass revocation: a workload, a tool, or everything. Each is one rule in the log, O(1) in the
/// number of live grants (invariant 4); grant records are left to expire.
/// </summary>
public sealed partial class RevocationBroker(IRevocationLog log, RuleLifetime lifetime, ILogger<RevocationBroker> logger, AuditLog audit, UnconfirmedRevocations unconfirmed, PendingKillSwitch pending, RevocationFeed feed)
{
    public static readonly TimeSpan MaxQuarantine = TimeSpan.FromDays(30);

    public async Task<BrokerResult<RevocationReceipt>> RevokeWorkloadAsync(string workloadId, string? reason, TimeSpan? quarantine, string by, CancellationToken cancellationToken)
    {
        if (!SpiffeId.IsValid(workloadId))
        {
            return Refusal.Invalid("workload_id", "not a SPIFFE ID (spiffe://trust-domain/path)");
        }

        if (quarantine is { } q && (q < TimeSpan.FromSeconds(1) || q > MaxQuarantine))
        {
            return Refusal.Invalid("quarantine", "must be between 1s and 30d");
        }

        var keep = (quarantine ?? TimeSpan.Zero) + lifetime.AfterLift;
        return await AppendAsync(new RevocationDraft(RevocationKind.Workload, workloadId, reason ?? string.Empty, quarantine ?? TimeSpan.Zero, keep, by), reason, cancellationToken);
    }

    /// <summary>
    /// Kills every token carrying the tool and refuses its new grants for <paramref name="duration"/>,
    /// or until <see cref="ReleaseToolAsync"/> when null: a compromised tool stays shut until someone says otherwise.
    /// </summary>
    public async Task<BrokerResult<RevocationReceipt>> RevokeToolAsync(string tool, string? reason, TimeSpan? duration, string by, CancellationToken cancellationToken)
    {
        if (!ToolNames.IsWellFormed(tool))
        {
            return Refusal.Invalid("tool", "not a tool name (dotted lower-case segments, at most 128 characters)");
        }

        if (duration is { } d && (d < TimeSpan.FromSeconds(1) || d > MaxQuarantine))
        {
            return Refusal.Invalid("duration", "must be between 1s and 30d");
        }

        // Standing until released, the rule is kept until released (no expiry), as the kill switch is.
        TimeSpan? keep = duration is { } span ? span + lifetime.AfterLift : null;
        return await AppendAsync(new RevocationDraft(RevocationKind.Tool, tool, reason ?? string.Empty, duration, keep, by), reason, cancellationToken);
    }

    /// <summary>Lifts the tool's standing revocation now; tokens issued before stay dead. Null rule when none stood.</summary>
    public async Task<BrokerResult<RevocationRule?>> ReleaseToolAsync(string tool, string? reason, CancellationToken cancellationToken)
    {
        if (!ToolNames.IsWellFormed(tool))
        {
            return Refusal.Invalid("tool", "not a tool name (dotted lower-case segments, at most 128 characters)");
        }

        if (FieldChecks.Text(reason, "reason", InputLimits.ReasonMaxLength, required: false) is { } badReason)
        {
            return badReason;
        }

        return await LiftAsync(RevocationKind.Tool, tool, reason, "revocation store unavailable; the tool was not released", cancellationToken);
    }

    /// <summary>
    /// Every token dies and no grant is issued until <see cref="ReleaseKillSwitchAsync"/>. Never refused
    /// for want of a store: when the store cannot take the write, the switch is engaged in this broker's
    /// memory at once, pushed to the verifiers it serves, and written as soon as the store accepts writes.
    /// </summary>
    public async Task<BrokerResult<RevocationReceipt>> EngageKillSwitchAsync(string? reason, string by, CancellationToken cancellationToken)
    {
        var draft = new RevocationDraft(RevocationKind.All, string.Empty, reason ?? string.Empty, LiftAfter: null, ExpireAfter: null, by);
        if (FieldChecks.Text(reason, "reason", InputLimits.ReasonMaxLength, required: false) is { } badReason)
        {
            return badReason;
        }

        if (pending.Rule is null)
        {
            var stored = await AppendAsync(draft, reason, cancellationToken);
            if (stored.Succeeded || stored.Refusal.Kind != RefusalKind.Unavailable)
            {
                return stored;
            }
        }

        var rule = pending.Engage(draft);
        feed.PublishPending(rule);
        CoreLog.RevocationBrokerEngagedInMemory(logger);
        await audit.TryAppendAsync(RevocationAudit.Written(rule), cancellationToken).ConfigureAwait(false);
        return BrokerResult<RevocationReceipt>.Ok(new RevocationReceipt(rule, KillSwitchNotStored));
    }

    /// <summary>What an operator is told when the kill switch lives in this broker's memory only.</summary>
    public const string KillSwitchNotStored =
        "durability not confirmed: the store could not take the write, so the kill switch is engaged in this broker's memory only " +
        "(this replica and the verifiers connected to it); it is written to the store as soon as the store accepts writes";

    /// <summary>Writes a kill switch engaged in memory to the store, once it accepts writes. True when none is owed any more.</summary>
    public async Task<bool> StorePendingKillSwitchAsync(CancellationToken cancellationToken)
    {
        if (pending.Draft is not { } draft)
        {
            return true;
        }

        try
        {
            var entry = await log.AppendAsync(draft, cancellationToken).ConfigureAwait(false);
            pending.Stored(draft);
            CoreLog.RevocationBrokerPendingStored(logger, entry.Cursor);
            unconfirmed.Note(entry);
            return true;
        }
        catch (BrokerStoreUnavailableException)
        {
            return false;
        }
    }

    /// <summary>Lifts the kill switch: tokens issued before now stay dead; new grants may be issued. Null rule when it was not engaged.</summary>
    public async Task<BrokerResult<RevocationRule?>> ReleaseKillSwitchAsync(CancellationToken cancellationToken)
    {
        // A switch held in memory is written before it is lifted, so the lift has a stored rule to end.
        if (!await StorePendingKillSwitchAsync(cancellationToken).ConfigureAwait(false))
        {
            return Refusal.StoreUnavailable("revocation store unavailable; the kill switch stays engaged in this broker's memory");
        }

        return await LiftAsync(RevocationKind.All, string.Empty, null, "revocation store unavailable; the kill switch was not released", cancellationToken);
    }

    private async Task<BrokerResult<RevocationRule?>> LiftAsync(RevocationKind kind, string subject, string? reason, string unavailable, CancellationToken cancellationToken)
    {
        try
        {
            var entry = await log.LiftAsync(kind, subject, lifetime.AfterLift, cancellationToken).ConfigureAwait(false);
            if (entry is not null)
            {
                CoreLog.RevocationBrokerRule(logger, entry.Rule.Kind, entry.Rule.Subject, entry.Cursor);
                await audit.TryAppendAsync(RevocationAudit.Lifted(entry.Rule, reason), cancellationToken).ConfigureAwait(false);
            }

            return BrokerResult<RevocationRule?>.Ok(entry?.Rule);
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.RevocationBrokerStoreUnavailable(logger, e);
            return Refusal.StoreUnavailable(unavailable);
        }
    }

    /// <summary>The kill switch's rule, if it was ever engaged and is still remembered.</summary>
    public async Task<BrokerResult<RevocationRule?>> GetKillSwitchAsync(CancellationToken cancellationToken)
    {
        if (pending.Rule is { } inMemory)
        {
            return BrokerResult<RevocationRule?>.Ok(inMemory);
        }

        try
        {
            var standing = await log.GetStandingAsync(string.Empty, [], cancellationToken).ConfigureAwait(false);
            return BrokerResult<RevocationRule?>.Ok(standing.Rules.FirstOrDefault(r => r.Kind == RevocationKind.All && !r.Reason.StartsWith(GenerationReason, StringComparison.Ordinal)));
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.RevocationBrokerStoreUnavailable(logger, e);
            return Refusal.StoreUnavailable("revocation store unavailable");
        }
    }

    /// <summary>How the rule a new store generation writes begins; it is not the kill switch.</summary>
    public const string GenerationReason = "new store generation";

    private async Task<BrokerResult<RevocationReceipt>> AppendAsync(RevocationDraft draft, string? reason, CancellationToken cancellationToken)
    {
        if (FieldChecks.Text(reason, "reason", InputLimits.ReasonMaxLength, required: false) is { } badReason)
        {
            return badReason;
        }

        try
        {
            var entry = await log.AppendAsync(draft, cancellationToken).ConfigureAwait(false);
            CoreLog.RevocationBrokerRule(logger, entry.Rule.Kind, entry.Rule.Subject, entry.Cursor);
            var notConfirmed = unconfirmed.Note(entry);

            // A revocation is never held back by the audit log: losing the record is safer than keeping access.
            await audit.TryAppendAsync(RevocationAudit.Written(entry.Rule), cancellationToken).ConfigureAwait(false);
            return BrokerResult<RevocationReceipt>.Ok(new RevocationReceipt(entry.Rule, notConfirmed));
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.RevocationBrokerStoreUnavailable(logger, e);
            return Refusal.StoreUnavailable("revocation store unavailable; nothing was revoked");
        }
    }
}
