using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Tokens;

/// <summary>
/// Validates a CredBroker access token offline: the same code the broker's Introspect and the
/// tool-side verifier run. ES256 and <c>at+jwt</c> are pinned, keys are resolved by exact
/// <c>kid</c> only, and key-carrying headers (<c>jku</c>, <c>x5u</c>, <c>jwk</c>) are never followed.
/// </summary>
public sealed class AccessTokenValidator
{
    /// <summary>Longer tokens are refused before parsing; ours are well under 2 KB.</summary>
    public const int MaxTokenLength = 8 * 1024;

    private readonly JsonWebTokenHandler handler = new() { MaximumTokenSizeInBytes = MaxTokenLength };
    private readonly TokenValidationParameters parameters;

    /// <param name="issuer">The broker's issuer; nothing else is accepted.</param>
    /// <param name="resolveKey">Finds a key by its exact <c>kid</c>; null when unknown.</param>
    /// <param name="audience">The tool server's own audience; null accepts any (introspection).</param>
    /// <param name="clockSkew">Allowed skew for <c>exp</c> and <c>nbf</c>; at most 30 s by design.</param>
    /// <param name="time">The clock tokens are judged by.</param>
    public AccessTokenValidator(string issuer, Func<string, SecurityKey?> resolveKey, string? audience, TimeSpan clockSkew, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(resolveKey);
        ArgumentNullException.ThrowIfNull(time);
        parameters = new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidateAudience = audience is not null,
            ValidAudience = audience,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = [ClaimNames.AccessTokenType],
            ClockSkew = clockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateLifetime = true,
            TryAllIssuerSigningKeys = false,
            LifetimeValidator = (notBefore, expires, _, p) => LifetimeIsValid(notBefore, expires, p.ClockSkew, time),
            IssuerSigningKeyResolver = (_, token, kid, _) => ResolveExact(token, kid, resolveKey),
        };
    }

    public async Task<AccessTokenValidation> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return AccessTokenValidation.Fail("token is empty");
        }

        if (token.Length > MaxTokenLength)
        {
            return AccessTokenValidation.Fail($"token is longer than {MaxTokenLength} characters");
        }

        // JWS compact only: three segments. A JWE (five) or a JSON serialisation is not ours.
        if (token.Count(c => c == '.') != 2 || token[0] == '{')
        {
            return AccessTokenValidation.Fail("not a JWS compact token");
        }

        var result = await handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return AccessTokenValidation.Fail(Describe(result.Exception));
        }

        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            // RFC 7515 section 4.1.11: a recipient must reject extensions it does not understand; we understand none.
            return AccessTokenValidation.Fail("token carries a crit header");
        }

        return Read(jwt);
    }

    private static AccessTokenValidation Read(JsonWebToken jwt)
    {
        string? Claim(string name) => jwt.TryGetPayloadValue<string>(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;

        var subject = Claim(ClaimNames.Subject);
        var clientId = Claim(ClaimNames.ClientId);
        var jti = Claim(ClaimNames.JwtId);
        var scope = Claim(ClaimNames.Scope);
        var taskId = Claim(ClaimNames.TaskId);
        var audience = jwt.Audiences.ToList();
        if (subject is null || clientId is null || jti is null || scope is null || taskId is null || audience.Count != 1
            || !jwt.TryGetPayloadValue<long>(ClaimNames.IssuedAt, out var iat))
        {
            return AccessTokenValidation.Fail("token lacks a required claim (sub, client_id, aud, iat, jti, scope, task_id)");
        }

        return AccessTokenValidation.Success(new AccessTokenClaims(
            jwt.Issuer,
            subject,
            clientId,
            audience[0],
            DateTimeOffset.FromUnixTimeSeconds(iat),
            new DateTimeOffset(jwt.ValidFrom == DateTime.MinValue ? DateTimeOffset.FromUnixTimeSeconds(iat).UtcDateTime : jwt.ValidFrom, TimeSpan.Zero),
            new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero),
            jti,
            scope.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            taskId,
            Claim(ClaimNames.Purpose) ?? string.Empty,
            Claim(ClaimNames.Owner) ?? string.Empty));
    }

    private static IEnumerable<SecurityKey> ResolveExact(SecurityToken token, string kid, Func<string, SecurityKey?> resolveKey)
    {
        // Only the kid names the key. A kid that is absent, or a header that offers its own key
        // (jwk, jku, x5u), never leads anywhere else.
        if (string.IsNullOrEmpty(kid) || kid.Length > 128 || resolveKey(kid) is not { } key)
        {
            return [];
        }

        return [key];
    }

    private static bool LifetimeIsValid(DateTime? notBefore, DateTime? expires, TimeSpan skew, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } exp && now - skew < exp && (notBefore is not { } nbf || nbf <= now + skew);
    }

    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenSignatureKeyNotFoundException => "signing key not found (unknown kid)",
        SecurityTokenInvalidSignatureException => "signature is invalid",
        SecurityTokenInvalidLifetimeException => "token is expired or not yet valid",
        SecurityTokenExpiredException => "token is expired",
        SecurityTokenNotYetValidException => "token is not yet valid",
        SecurityTokenInvalidIssuerException => "token was issued by another issuer",
        SecurityTokenInvalidAudienceException => "token is for another audience",
        SecurityTokenInvalidAlgorithmException => "token algorithm is not ES256",
        SecurityTokenInvalidTypeException => "token type is not at+jwt",
        SecurityTokenMalformedException => "token is malformed",
        _ => "token is invalid",
    };
}

/// <summary>The outcome of validating an access token: its claims, or why it was refused.</summary>
public sealed record AccessTokenValidation(AccessTokenClaims? Claims, string? Failure)
{
    public bool IsValid => Claims is not null;

    public static AccessTokenValidation Success(AccessTokenClaims claims) => new(claims, null);

    public static AccessTokenValidation Fail(string reason) => new(null, reason);
}
