using System.Text.Json;
using CredBroker.Core.Policy;
using CredBroker.Core.Tokens;

namespace CredBroker.Core.Identity;

/// <summary>
/// Validates a caller's identity token (a JWT-SVID or OIDC token) against the trusted issuers, read by
/// the same strict JWS reader as access tokens (<see cref="CompactJws"/>: canonical base64url, no member
/// named twice, integer NumericDates): signature by the named issuer's own key found by exact <c>kid</c>,
/// <c>iss</c>, a single <c>aud</c> that is ours, lifetime with small skew and a ceiling, pinned asymmetric
/// algorithms, no <c>crit</c>, and a workload SPIFFE ID inside the issuer's trust domains. Reasons never
/// quote the token.
/// </summary>
public sealed class IdentityTokenValidator
{
    public const int MaxTokenLength = 16 * 1024;

    /// <summary>JOSE types an identity token may carry; <c>at+jwt</c> (our own access tokens) is not one.</summary>
    private static readonly string[] IdentityTypes = ["JWT", "JOSE"];

    private readonly Dictionary<string, TrustedIssuer> issuers;
    private readonly TimeSpan clockSkew;
    private readonly TimeSpan maxLifetime;
    private readonly TimeProvider time;
    private readonly IIdentityReplayGuard? replayGuard;

    /// <param name="maxLifetime">The longest <c>exp</c> - <c>iat</c> accepted (<see cref="IdentityOptions.MaxTokenLifetime"/>).</param>
    /// <param name="replayGuard">When given, each token is accepted once only (its <c>jti</c> is remembered).</param>
    public IdentityTokenValidator(IEnumerable<TrustedIssuer> trusted, TimeSpan clockSkew, TimeSpan maxLifetime, TimeProvider time, IIdentityReplayGuard? replayGuard = null)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxLifetime, TimeSpan.Zero);
        issuers = trusted.ToDictionary(t => t.Issuer, StringComparer.Ordinal);
        this.clockSkew = clockSkew;
        this.maxLifetime = maxLifetime;
        this.time = time;
        this.replayGuard = replayGuard;
    }

    /// <summary>Each token is good for one call only; a validated token must not be cached.</summary>
    public bool SingleUse => replayGuard is not null;

    public IReadOnlyCollection<string> Issuers => issuers.Keys;

    /// <summary>
    /// Whether the key that verified a token is still the one its issuer publishes under that <c>kid</c>,
    /// judged from the keys held now (never a fetch). A token remembered past this point would outlive
    /// the issuer withdrawing its key.
    /// </summary>
    public bool IsPublished(IdentityKey signedBy)
    {
        ArgumentNullException.ThrowIfNull(signedBy);
        return issuers.TryGetValue(signedBy.Issuer, out var issuer) && ReferenceEquals(issuer.Keys.Held(signedBy.Kid), signedBy.Key);
    }

    public async Task<IdentityValidation> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length > MaxTokenLength)
        {
            return IdentityValidation.Fail($"identity token is longer than {MaxTokenLength} characters");
        }

        if (CompactJws.TryParse(token, out var parsed) is { } malformed)
        {
            return IdentityValidation.Fail("identity " + malformed.Failure);
        }

        using var jws = parsed!;

        // The issuer is read before the signature is checked only to pick whose keys to use;
        // nothing else of the unverified claims decides anything until the signature holds.
        if (!issuers.TryGetValue(jws.ClaimText("iss") ?? string.Empty, out var issuer))
        {
            return IdentityValidation.Fail("identity token issuer is not trusted");
        }

        if (HeaderProblem(jws, issuer) is { } problem)
        {
            return IdentityValidation.Fail(problem);
        }

        if (!jws.TryNumericDate("exp", out var expires) || !jws.TryNumericDate("iat", out var issuedAt) || !jws.TryNumericDate("nbf", out var notBefore))
        {
            return IdentityValidation.Fail("identity token has an exp, iat or nbf that is not a NumericDate (whole seconds since 1970, RFC 7519 section 2)");
        }

        if (expires is null)
        {
            // An identity without an end could be replayed forever.
            return IdentityValidation.Fail("identity token has no expiry (exp); identity tokens must be short-lived");
        }

        var alg = jws.HeaderText("alg")!;
        var kid = jws.HeaderText("kid")!;
        var key = await issuer.Keys.FindAsync(kid, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            var source = issuer.KeySource is null ? string.Empty : $"; this broker reads its keys from {issuer.KeySource}";
            return IdentityValidation.Fail($"identity token names a key (kid) that issuer {issuer.Issuer} does not publish{source}");
        }

        if (key.Algorithm is { } keyAlg && !string.Equals(keyAlg, alg, StringComparison.Ordinal))
        {
            return IdentityValidation.Fail($"identity token algorithm does not match its key's algorithm {keyAlg}");
        }

        if (!JwsSignature.Verifies(jws, alg, key.Key))
        {
            return IdentityValidation.Fail("identity token signature is invalid");
        }

        if (ClaimsProblem(jws, issuer, expires.Value, issuedAt, notBefore) is { } badClaims)
        {
            return IdentityValidation.Fail(badClaims);
        }

        var (id, failure) = issuer.Subject(jws.ClaimText(issuer.SubjectClaim));
        if (id is null)
        {
            return IdentityValidation.Fail(failure!);
        }

        if (replayGuard is not null && await ReplayProblemAsync(jws.ClaimText("jti"), issuer, expires.Value, cancellationToken).ConfigureAwait(false) is { } replay)
        {
            return IdentityValidation.Fail(replay);
        }

        return IdentityValidation.Success(new WorkloadIdentity(id, issuer.Issuer, expires.Value)) with { SignedBy = new IdentityKey(issuer.Issuer, kid, key) };
    }

    private static string? HeaderProblem(CompactJws jws, TrustedIssuer issuer)
    {
        if (jws.HasHeader("typ") && (jws.HeaderText("typ") is not { } typ || (typ.Length > 0 && !IdentityTypes.Contains(typ, StringComparer.OrdinalIgnoreCase))))
        {
            // RFC 8725 section 3.11: explicit typing keeps one kind of JWT from passing as another.
            return "identity token has a JOSE type that is not an identity token's (an access token is not an identity)";
        }

        if (jws.HasHeader("crit"))
        {
            // RFC 7515 section 4.1.11: extensions we do not understand must be refused; we understand none.
            return "identity token carries a crit header, which is not accepted";
        }

        if (jws.HeaderText("alg") is not { } alg || !issuer.Algorithms.Contains(alg, StringComparer.Ordinal))
        {
            return $"identity token algorithm is not allowed for issuer {issuer.Issuer} (allowed: {string.Join(", ", issuer.Algorithms)})";
        }

        return jws.HeaderText("kid") is not { Length: > 0 and <= 256 }
            ? "identity token has no key id (kid) header"
            : null;
    }

    private string? ClaimsProblem(CompactJws jws, TrustedIssuer issuer, DateTimeOffset expires, DateTimeOffset? issuedAt, DateTimeOffset? notBefore)
    {
        var audiences = Audiences(jws.Payload.RootElement);
        if (audiences is null || !audiences.Contains(issuer.Audience, StringComparer.Ordinal))
        {
            return "identity token is not for this broker (audience)";
        }

        if (audiences.Count != 1)
        {
            // A token several services accept could be replayed here by any of them.
            return $"identity token names several audiences; ask the issuer for one whose only audience is '{issuer.Audience}'";
        }

        var now = time.GetUtcNow();
        var skew = clockSkew.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
        if (now - clockSkew >= expires)
        {
            return $"identity token has expired (allowing {skew} s of clock skew); fetch a fresh one";
        }

        if (notBefore > now + clockSkew)
        {
            return $"identity token is not yet valid (nbf is ahead even allowing {skew} s of clock skew); check the workload's clock";
        }

        if (issuedAt > now + clockSkew)
        {
            // A token "issued" in the future is either forged or from a clock that cannot be trusted.
            return $"identity token was issued in the future (iat is ahead even allowing {skew} s of clock skew); check the issuer's clock";
        }

        // Measured from when it was issued, or (without iat) from when it is first usable.
        var start = issuedAt ?? (notBefore is { } nbf && nbf > now ? nbf : now);
        return expires - start > maxLifetime
            ? $"identity token lives {DurationText.Format(expires - start)}, longer than the {DurationText.Format(maxLifetime)} this broker accepts ({IdentityOptions.Section}:{nameof(IdentityOptions.MaxTokenLifetime)}); ask the issuer for shorter-lived tokens"
            : null;
    }

    private async Task<string?> ReplayProblemAsync(string? jti, TrustedIssuer issuer, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        if (jti is not { Length: <= 256 })
        {
            return "identity token has no jti, and this broker accepts each identity token once only";
        }

        return await replayGuard!.TryFirstUseAsync(issuer.Issuer, jti, expiresAt + clockSkew, cancellationToken).ConfigureAwait(false)
            ? null
            : "identity token was already used (its jti was seen before); this broker accepts each identity token once, so fetch a fresh one";
    }

    /// <summary>RFC 7519 section 4.1.3: one string, or an array of strings; anything else names no audience.</summary>
    private static List<string>? Audiences(JsonElement payload)
    {
        if (!payload.TryGetProperty("aud", out var aud))
        {
            return null;
        }

        if (aud.ValueKind == JsonValueKind.String)
        {
            return [aud.GetString()!];
        }

        return aud.ValueKind == JsonValueKind.Array && aud.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String)
            ? aud.EnumerateArray().Select(a => a.GetString()!).ToList()
            : null;
    }
}

/// <summary>The key that verified an identity token: which issuer, under which <c>kid</c>, and the key object itself.</summary>
public sealed record IdentityKey(string Issuer, string Kid, IssuerKey Key);

public sealed record IdentityValidation(WorkloadIdentity? Identity, string? Failure)
{
    /// <summary>The key that verified the token; null for client certificates and refusals.</summary>
    public IdentityKey? SignedBy { get; init; }

    public static IdentityValidation Success(WorkloadIdentity identity) => new(identity, null);

    public static IdentityValidation Fail(string reason) => new(null, reason);
}
