using CredBroker.Core.Storage;

namespace CredBroker.Core.Revocation;

/// <summary>
/// Revokes one grant, rule first, then the record: if the record update then fails, the grant is
/// still dead to every verifier, and the caller, told UNAVAILABLE, retries. Errs toward revoking.
/// The one place this sequence is written: an operator's revocation, a workload handing a grant back,
/// and a grant whose audit record no sink took all go through it.
/// </summary>
public sealed class GrantRevoker(IRevocationLog revocations, IBrokerStore store, RuleLifetime lifetime, UnconfirmedRevocations unconfirmed)
{
    /// <summary>
    /// The revocation, or null when the store knows no live grant <paramref name="grantId"/> (the rule
    /// is in the log either way). Throws <see cref="BrokerStoreUnavailableException"/> when either write fails.
    /// </summary>
    public async Task<GrantRevocationResult?> RevokeAsync(string grantId, string reason, CancellationToken cancellationToken)
    {
        var entry = await revocations.AppendAsync(new RevocationDraft(RevocationKind.Grant, grantId, reason, LiftAfter: null, lifetime.AfterLift), cancellationToken).ConfigureAwait(false);
        var result = await store.RevokeGrantAsync(grantId, reason, cancellationToken).ConfigureAwait(false);
        return result is null ? null : result with { DurabilityNotConfirmed = unconfirmed.Note(entry) };
    }
}
