using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;

namespace CredBroker.Core.Tokens;

/// <summary>
/// RFC 7662 for our own tokens: active only when well signed, in its lifetime, for an audience the
/// asking tool server serves, and its grant is live, unrevoked and says what the token says.
/// </summary>
public sealed class TokenIntrospector(AccessTokenValidator validator, IBrokerStore store, IRevocationLog revocations, IPolicySource policy, PendingKillSwitch pendingKillSwitch)
{
    /// <param name="toolServerId">The caller's identity; only tokens of the audiences policy lists it for are answered.</param>
    public async Task<BrokerResult<Introspection>> IntrospectAsync(string? token, string toolServerId, CancellationToken cancellationToken)
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

        // RFC 7662 section 2.2: a resource server not allowed to introspect this token is answered
        // "inactive". Otherwise any tool server could read every other server's tokens and their claims.
        if (!policy.Current.Serves(toolServerId, claims.Audience))
        {
            return BrokerResult<Introspection>.Ok(Introspection.Inactive("token is for an audience this tool server does not serve (policy audiences)"));
        }

        return await CheckLiveAsync(claims, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a token already validated offline is live: no rule covers it, its grant is stored,
    /// unrevoked and agrees with it, and so is every ancestor grant of a delegated token (a grant
    /// rule or a revoked record on any of them ends it). Introspect and ExchangeGrant both ask this.
    /// </summary>
    public async Task<BrokerResult<Introspection>> CheckLiveAsync(AccessTokenClaims claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        if (pendingKillSwitch.Rule is { } held && held.Covers(claims))
        {
            // Engaged in this broker's memory while the store could not take it: answered without the store.
            return BrokerResult<Introspection>.Ok(Introspection.Inactive(Describe(held)));
        }

        StoredGrant? stored;
        StoredGrant?[] ancestors;
        List<RevocationRule> standing;
        try
        {
            // All reads in parallel: the grant's own record, its ancestors' records and the mass rules
            // (of the subject and of each actor of a delegated token's chain).
            var grantRead = store.FindGrantAsync(claims.JwtId, cancellationToken).AsTask();
            var ancestorReads = claims.Ancestors.Select(a => store.FindGrantAsync(a, cancellationToken).AsTask()).ToArray();
            var ruleReads = claims.Actors.Select(a => revocations.GetStandingAsync(a, [], cancellationToken).AsTask())
                .Prepend(revocations.GetStandingAsync(claims.Subject, claims.Scope, cancellationToken).AsTask()).ToArray();
            await Task.WhenAll(ruleReads.Cast<Task>().Concat(ancestorReads).Append(grantRead)).ConfigureAwait(false);
            stored = await grantRead.ConfigureAwait(false);
            ancestors = await Task.WhenAll(ancestorReads).ConfigureAwait(false);
            standing = (await Task.WhenAll(ruleReads).ConfigureAwait(false)).SelectMany(r => r.Rules).ToList();
        }
        catch (BrokerStoreUnavailableException)
        {
            // Cannot prove the token unrevoked: say so rather than guess "active".
            return Refusal.StoreUnavailable("grant store unavailable; cannot tell whether the token is revoked");
        }

        if (standing.FirstOrDefault(r => r.Covers(claims)) is { } rule)
        {
            return BrokerResult<Introspection>.Ok(Introspection.Inactive(Describe(rule)));
        }

        for (var i = 0; i < ancestors.Length; i++)
        {
            // A delegated token lives only while every grant above it does (revocation cascades).
            if (ancestors[i] is not { RevokedAt: null, TaskRevokedAt: null })
            {
                return BrokerResult<Introspection>.Ok(Introspection.Inactive($"ancestor grant {claims.Ancestors[i]} is revoked, unknown or expired"));
            }
        }

        return BrokerResult<Introspection>.Ok(stored switch
        {
            null => Introspection.Inactive("grant is unknown or expired"),
            { TaskRevokedAt: { } at } => Introspection.Inactive($"task {claims.TaskId} was revoked at {at:yyyy-MM-ddTHH:mm:ssZ}"),
            { RevokedAt: { } at } => Introspection.Inactive($"grant was revoked at {at:yyyy-MM-ddTHH:mm:ssZ}"),
            _ when !Agrees(stored.Grant, claims) => Introspection.Inactive("token does not match its grant record"),
            _ => new Introspection(true, null, claims),
        });
    }

    /// <summary>
    /// A token whose claims differ from its grant was not minted by this broker for that grant: signed
    /// with a stolen key, it could widen its scope or move to another task or audience under a live jti.
    /// </summary>
    private static bool Agrees(GrantRecord grant, AccessTokenClaims claims) =>
        string.Equals(grant.TaskId, claims.TaskId, StringComparison.Ordinal)
        && string.Equals(grant.Audience, claims.Audience, StringComparison.Ordinal)
        && string.Equals(grant.WorkloadId, claims.Subject, StringComparison.Ordinal)
        && grant.IssuedAt == claims.IssuedAt
        && grant.Tools.Count == claims.Scope.Count
        && grant.Tools.Order(StringComparer.Ordinal).SequenceEqual(claims.Scope.Order(StringComparer.Ordinal), StringComparer.Ordinal);

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
