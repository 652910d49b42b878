using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;

namespace CredBroker.Core.Tokens;

/// <summary>RFC 7662 for our own tokens: active only when well signed, in its lifetime, and its grant is live and unrevoked.</summary>
public sealed class TokenIntrospector(AccessTokenValidator validator, IBrokerStore store, IRevocationLog revocations, PendingKillSwitch pendingKillSwitch)
{
    public async Task<BrokerResult<Introspection>> IntrospectAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is { Length: > AccessTokenValidator.MaxTokenLength })
        {
            return Refusal.Invalid("token", $"longer than {AccessTokenValidator.MaxTokenLength} characters");
        }

        var validation = await validator.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
        if (validation.Claims is not { } claims)
        {
            return BrokerResult<Introspection>.Ok(Introspection.Inactive(validation.Failure!));
        }

        if (pendingKillSwitch.Rule is { } held && held.Covers(claims))
        {
            // Engaged in this broker's memory while the store could not take it: answered without the store.
            return BrokerResult<Introspection>.Ok(Introspection.Inactive(Describe(held)));
        }

        GrantStatus status;
        StandingRules standing;
        try
        {
            // Two reads in parallel: the grant's own record (task slot) and the mass rules.
            var statusRead = store.GetGrantStatusAsync(claims.TaskId, claims.JwtId, cancellationToken).AsTask();
            var rulesRead = revocations.GetStandingAsync(claims.Subject, claims.Scope, cancellationToken).AsTask();
            await Task.WhenAll(statusRead, rulesRead).ConfigureAwait(false);
            status = await statusRead.ConfigureAwait(false);
            standing = await rulesRead.ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException)
        {
            // Cannot prove the token unrevoked: say so rather than guess "active".
            return Refusal.StoreUnavailable("grant store unavailable; cannot tell whether the token is revoked");
        }

        if (standing.Rules.FirstOrDefault(r => r.Covers(claims)) is { } rule)
        {
            return BrokerResult<Introspection>.Ok(Introspection.Inactive(Describe(rule)));
        }

        return BrokerResult<Introspection>.Ok(status.State switch
        {
            GrantState.Active => new Introspection(true, null, claims),
            GrantState.GrantRevoked => Introspection.Inactive($"grant was revoked at {status.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}"),
            GrantState.TaskRevoked => Introspection.Inactive($"task {claims.TaskId} was revoked at {status.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}"),
            _ => Introspection.Inactive("grant is unknown or expired"),
        });
    }

    private static string Describe(RevocationRule rule) => rule.Kind switch
    {
        RevocationKind.All => $"all tokens issued before {rule.LiftedAt?.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) ?? "now"} are revoked ({rule.Reason})",
        RevocationKind.Workload => $"workload {rule.Subject} was revoked at {rule.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}",
        _ => $"tool {rule.Subject} was revoked at {rule.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}",
    };
}

/// <summary>An introspection answer; claims only when active (RFC 7662 section 2.2).</summary>
public sealed record Introspection(bool Active, string? Reason, AccessTokenClaims? Claims)
{
    public static Introspection Inactive(string reason) => new(false, reason, null);
}
