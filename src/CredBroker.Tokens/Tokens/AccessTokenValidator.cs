using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CredBroker.Core.Identity;
using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Tokens;

/// <summary>
/// Validates a CredBroker access token offline: the one code path the broker's Introspect and the
/// tool-side verifier both run. Structure first (JWS compact, canonical base64url, no duplicate
/// members), then the header (ES256 and <c>at+jwt</c> pinned, no <c>crit</c>, a thumbprint-shaped
/// <c>kid</c>), the key by exact <c>kid</c> only (<c>jku</c>, <c>x5u</c>, <c>jwk</c> are never
/// followed), the signature, and only then the claims. Every refusal names its <see cref="TokenFailure"/>.
/// Outside the broker's own assemblies it is a name only (the broker's Core takes one): a tool server validates
/// through <c>CredBroker.Verifier</c>'s <c>TokenVerifier</c>, which runs this code.
/// </summary>
public sealed class AccessTokenValidator
{
    /// <summary>Longer tokens are refused before parsing; ours are well under 2 KB.</summary>
    internal const int MaxTokenLength = 8 * 1024;

    /// <summary>The design's ceiling on clock skew (DESIGN: verifiers allow at most 30 s).</summary>
    internal static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>An RFC 7638 thumbprint is 43 base64url characters; anything else never names one of our keys.</summary>
    private const int MaxKidLength = 128;

    /// <summary>More hops than any policy allows (limits.maxDelegationDepth is at most 16); bounds the parse.</summary>
    private const int MaxChainLength = 16;

    /// <summary>RFC 9068 section 4: <c>at+jwt</c>, or its full media type.</summary>
    private static readonly string[] AccessTokenTypes = [ClaimNames.AccessTokenType, "application/" + ClaimNames.AccessTokenType];

    private readonly string issuer;
    private readonly IIssuerKeys keys;
    private readonly string? audience;
    private readonly TimeSpan clockSkew;
    private readonly TimeProvider time;

    /// <param name="issuer">The broker's issuer; nothing else is accepted.</param>
    /// <param name="keys">The broker's keys, found by exact <c>kid</c>.</param>
    /// <param name="audience">The tool server's own audience; null accepts any single audience (introspection).</param>
    /// <param name="clockSkew">Allowed skew for <c>exp</c> and <c>nbf</c>; at most 30 s.</param>
    /// <param name="time">The clock tokens are judged by.</param>
    internal AccessTokenValidator(string issuer, IIssuerKeys keys, string? audience, TimeSpan clockSkew, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(clockSkew, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clockSkew, MaxClockSkew);
        this.issuer = issuer;
        this.keys = keys;
        this.audience = audience;
        this.clockSkew = clockSkew;
        this.time = time;
    }

    /// <param name="resolveKey">Finds a key by its exact <c>kid</c>; null when unknown (e.g. the broker's own key ring).</param>
    internal AccessTokenValidator(string issuer, Func<string, SecurityKey?> resolveKey, string? audience, TimeSpan clockSkew, TimeProvider time)
        : this(issuer, new ResolvedKeys(resolveKey), audience, clockSkew, time)
    {
    }

    internal async Task<AccessTokenValidation> ValidateAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token))
        {
            return AccessTokenValidation.Fail(TokenFailure.Malformed, "token is empty");
        }

        if (token.Length > MaxTokenLength)
        {
            return AccessTokenValidation.Fail(TokenFailure.TooLarge, $"token is longer than {MaxTokenLength} characters");
        }

        if (CompactJws.TryParse(token, out var parsed) is { } malformed)
        {
            return malformed;
        }

        using var jws = parsed!;
        if (HeaderProblem(jws) is { } badHeader)
        {
            return badHeader;
        }

        var kid = jws.HeaderText("kid")!;
        var key = await keys.FindAsync(kid, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return AccessTokenValidation.Fail(TokenFailure.UnknownKey, "token names a key (kid) the broker does not publish");
        }

        if (!Verifies(jws, key))
        {
            return AccessTokenValidation.Fail(TokenFailure.BadSignature, "signature is invalid");
        }

        var validation = ReadClaims(jws);
        return validation.IsValid ? validation with { KeyId = kid, Key = key } : validation;
    }

    /// <summary>
    /// Judges the lifetime of claims validated earlier against the clock now, exactly as
    /// <see cref="ValidateAsync"/> would: null while the token is within <c>nbf</c> and <c>exp</c> (with skew),
    /// else the refusal it would give.
    /// </summary>
    internal AccessTokenValidation? CheckLifetime(AccessTokenClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return LifetimeProblem(claims.NotBefore, claims.ExpiresAt, time.GetUtcNow());
    }

    private static AccessTokenValidation? HeaderProblem(CompactJws jws)
    {
        // alg first: "none" and HS256-with-the-public-key are refused for what they are, before any key is sought.
        if (!string.Equals(jws.HeaderText("alg"), ClaimNames.Algorithm, StringComparison.Ordinal))
        {
            return AccessTokenValidation.Fail(TokenFailure.UnsupportedAlgorithm, $"token algorithm is not {ClaimNames.Algorithm}");
        }

        if (jws.HasHeader("crit"))
        {
            return AccessTokenValidation.Fail(TokenFailure.CritHeader, "token carries a crit header; no JWS extension is understood here");
        }

        // RFC 8725 section 3.11: explicit typing keeps an ID token or identity token from passing as an access token.
        if (jws.HeaderText("typ") is not { } typ || !AccessTokenTypes.Contains(typ, StringComparer.OrdinalIgnoreCase))
        {
            return AccessTokenValidation.Fail(TokenFailure.WrongType, $"token type is not {ClaimNames.AccessTokenType}");
        }

        if (jws.HeaderText("kid") is not { Length: > 0 and <= MaxKidLength } kid || !kid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            // A kid is looked up, never used as a path, URL or query; refusing other characters keeps it that way.
            return AccessTokenValidation.Fail(TokenFailure.InvalidKeyId, "token key id (kid) is missing or not a key thumbprint");
        }

        return null;
    }

    private static bool Verifies(CompactJws jws, IssuerKey key) =>
        key.Algorithm is (null or ClaimNames.Algorithm) && JwsSignature.Verifies(jws, ClaimNames.Algorithm, key.Key);

    private AccessTokenValidation ReadClaims(CompactJws jws)
    {
        var payload = jws.Payload.RootElement;
        string? Text(string name) => jws.ClaimText(name);

        DateTimeOffset? Time(string name) => jws.TryNumericDate(name, out var value) ? value : null;

        if (!string.Equals(Text(ClaimNames.Issuer), issuer, StringComparison.Ordinal))
        {
            return AccessTokenValidation.Fail(TokenFailure.WrongIssuer, "token was issued by another issuer");
        }

        var audiences = Audiences(payload);
        if (audiences is not [var tokenAudience])
        {
            // A token for several servers could be replayed from one to another (DESIGN: one audience per token).
            return AccessTokenValidation.Fail(TokenFailure.WrongAudience, "token must name exactly one audience");
        }

        if (audience is not null && !string.Equals(tokenAudience, audience, StringComparison.Ordinal))
        {
            return AccessTokenValidation.Fail(TokenFailure.WrongAudience, "token is for another audience");
        }

        var expires = Time(ClaimNames.Expires);
        var issuedAt = Time(ClaimNames.IssuedAt);
        var notBefore = Time(ClaimNames.NotBefore);
        var now = time.GetUtcNow();
        if (expires is null || issuedAt is null || (payload.TryGetProperty(ClaimNames.NotBefore, out _) && notBefore is null))
        {
            return AccessTokenValidation.Fail(TokenFailure.MissingClaim, "token lacks a valid exp or iat (or has a malformed nbf)");
        }

        if (LifetimeProblem(notBefore ?? issuedAt.Value, expires.Value, now) is { } outside)
        {
            return outside;
        }

        // Revocation rules are keyed on iat (a rule covers tokens issued before its lift): a token
        // claiming a later iat than the clock allows would outlive a lifted kill switch. RFC 7519
        // section 4.1.6 leaves iat advisory; here it is load-bearing, so the skew bounds it too.
        if (issuedAt.Value > now + clockSkew)
        {
            return AccessTokenValidation.Fail(TokenFailure.NotYetValid, "token claims to be issued in the future (iat beyond the allowed clock skew)");
        }

        var subject = Text(ClaimNames.Subject);
        var clientId = Text(ClaimNames.ClientId);
        var jti = Text(ClaimNames.JwtId);
        var scope = Text(ClaimNames.Scope);
        var taskId = Text(ClaimNames.TaskId);
        if (subject is null || clientId is null || jti is null || scope is null || taskId is null)
        {
            return AccessTokenValidation.Fail(TokenFailure.MissingClaim, "token lacks a required claim (sub, client_id, jti, scope, task_id)");
        }

        if (ReadChain(payload) is not { } chain)
        {
            // A chain that does not add up could hide an ancestor from the revocation check (a grant rule on it).
            return AccessTokenValidation.Fail(TokenFailure.MissingClaim, "token has a malformed delegation chain (act, parent_jti, ancestor_jtis must agree)");
        }

        return AccessTokenValidation.Success(new AccessTokenClaims(
            issuer,
            subject,
            clientId,
            tokenAudience,
            issuedAt.Value,
            notBefore ?? issuedAt.Value,
            expires.Value,
            jti,
            scope.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            taskId,
            Text(ClaimNames.Purpose) ?? string.Empty,
            Text(ClaimNames.Owner) ?? string.Empty)
        {
            Actors = chain.Actors,
            Ancestors = chain.Ancestors,
        });
    }

    /// <summary>
    /// The delegation chain (RFC 8693 section 4.1 <c>act</c>, nested, nearest actor outermost) and the
    /// ancestor grant ids: both absent, or as many actors as ancestors with <c>parent_jti</c> the last
    /// ancestor. Null when they disagree or are not of the right shape.
    /// </summary>
    private static (string[] Actors, string[] Ancestors)? ReadChain(JsonElement payload)
    {
        var hasAct = payload.TryGetProperty(ClaimNames.Actor, out var act);
        var hasParent = payload.TryGetProperty(ClaimNames.ParentJwtId, out var parent);
        var hasAncestors = payload.TryGetProperty(ClaimNames.AncestorJwtIds, out var ancestorList);
        if (!hasAct && !hasParent && !hasAncestors)
        {
            return ([], []);
        }

        if (!hasAct || !hasParent || !hasAncestors || ancestorList.ValueKind != JsonValueKind.Array || parent.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var actors = new List<string>();
        var current = act;
        while (true)
        {
            if (current.ValueKind != JsonValueKind.Object || actors.Count >= MaxChainLength
                || !current.TryGetProperty(ClaimNames.Subject, out var sub) || sub.ValueKind != JsonValueKind.String || sub.GetString() is not { Length: > 0 } actor)
            {
                return null;
            }

            actors.Add(actor);
            if (!current.TryGetProperty(ClaimNames.Actor, out current))
            {
                break;
            }
        }

        var ancestors = new List<string>();
        foreach (var item in ancestorList.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } id)
            {
                return null;
            }

            ancestors.Add(id);
        }

        return ancestors.Count == actors.Count && string.Equals(ancestors[^1], parent.GetString(), StringComparison.Ordinal)
            ? (actors.ToArray(), ancestors.ToArray())
            : null;
    }

    private AccessTokenValidation? LifetimeProblem(DateTimeOffset notBefore, DateTimeOffset expires, DateTimeOffset now)
    {
        if (now - clockSkew >= expires)
        {
            return AccessTokenValidation.Fail(TokenFailure.Expired, "token is expired");
        }

        if (notBefore > now + clockSkew)
        {
            return AccessTokenValidation.Fail(TokenFailure.NotYetValid, "token is not yet valid (nbf is in the future)");
        }

        return null;
    }

    private static List<string>? Audiences(JsonElement payload)
    {
        if (!payload.TryGetProperty(ClaimNames.Audience, out var aud))
        {
            return null;
        }

        if (aud.ValueKind == JsonValueKind.String)
        {
            return [aud.GetString()!];
        }

        if (aud.ValueKind != JsonValueKind.Array || aud.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
        {
            return null;
        }

        return aud.EnumerateArray().Select(a => a.GetString()!).ToList();
    }

    private sealed class ResolvedKeys(Func<string, SecurityKey?> resolve) : IIssuerKeys
    {
        public ValueTask<IssuerKey?> FindAsync(string kid, CancellationToken cancellationToken) =>
            ValueTask.FromResult(resolve(kid) is { } key ? new IssuerKey(key, ClaimNames.Algorithm) : null);
    }
}
