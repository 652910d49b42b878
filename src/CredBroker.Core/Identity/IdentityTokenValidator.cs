using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Identity;

/// <summary>
/// Validates a caller's identity token (a JWT-SVID or OIDC token) against the trusted issuers:
/// signature by the named issuer's own key, <c>iss</c>, <c>aud</c>, lifetime with small skew,
/// pinned asymmetric algorithms, and a SPIFFE <c>sub</c> inside the issuer's trust domains.
/// </summary>
public sealed class IdentityTokenValidator
{
    public const int MaxTokenLength = 16 * 1024;

    private readonly JsonWebTokenHandler handler = new() { MaximumTokenSizeInBytes = MaxTokenLength };
    private readonly Dictionary<string, (TrustedIssuer Issuer, TokenValidationParameters Parameters)> issuers;

    public IdentityTokenValidator(IEnumerable<TrustedIssuer> trusted, TimeSpan clockSkew, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        issuers = trusted.ToDictionary(t => t.Issuer, t => (t, Parameters(t, clockSkew, time)), StringComparer.Ordinal);
    }

    public async Task<IdentityValidation> ValidateAsync(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length > MaxTokenLength)
        {
            return IdentityValidation.Fail($"identity token is longer than {MaxTokenLength} characters");
        }

        JsonWebToken unverified;
        try
        {
            unverified = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return IdentityValidation.Fail("identity token is not a well-formed JWT");
        }

        // The issuer is read before the signature is checked only to pick whose keys to use;
        // the validation below checks it again against that issuer alone.
        if (!issuers.TryGetValue(unverified.Issuer ?? string.Empty, out var entry))
        {
            return IdentityValidation.Fail("identity token issuer is not trusted");
        }

        if (string.Equals(unverified.Typ, "at+jwt", StringComparison.OrdinalIgnoreCase))
        {
            return IdentityValidation.Fail("an access token is not an identity token");
        }

        if (unverified.TryGetHeaderValue<object>("crit", out _))
        {
            return IdentityValidation.Fail("identity token carries a crit header");
        }

        var result = await handler.ValidateTokenAsync(unverified, entry.Parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return IdentityValidation.Fail(Describe(result.Exception));
        }

        var subject = unverified.Subject;
        if (!SpiffeId.IsValid(subject))
        {
            return IdentityValidation.Fail("identity token subject is not a SPIFFE ID");
        }

        if (entry.Issuer.TrustDomains.Count > 0 && !entry.Issuer.TrustDomains.Contains(SpiffeId.TrustDomain(subject), StringComparer.Ordinal))
        {
            return IdentityValidation.Fail($"issuer may not vouch for trust domain {SpiffeId.TrustDomain(subject)}");
        }

        return IdentityValidation.Success(new WorkloadIdentity(subject, entry.Issuer.Issuer, new DateTimeOffset(unverified.ValidTo, TimeSpan.Zero)));
    }

    private static TokenValidationParameters Parameters(TrustedIssuer issuer, TimeSpan clockSkew, TimeProvider time) => new()
    {
        ValidIssuer = issuer.Issuer,
        ValidAudience = issuer.Audience,
        ValidAlgorithms = issuer.Algorithms,
        ClockSkew = clockSkew,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        TryAllIssuerSigningKeys = false,
        LifetimeValidator = (notBefore, expires, _, p) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            return expires is { } exp && now - p.ClockSkew < exp && (notBefore is not { } nbf || nbf <= now + p.ClockSkew);
        },
        IssuerSigningKeyResolver = (_, _, kid, _) =>
            !string.IsNullOrEmpty(kid) && issuer.ResolveKey(kid) is { } key ? [key] : [],
    };

    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenSignatureKeyNotFoundException => "identity token signing key is unknown to its issuer",
        SecurityTokenInvalidSignatureException => "identity token signature is invalid",
        SecurityTokenInvalidLifetimeException => "identity token is expired or not yet valid",
        SecurityTokenInvalidAudienceException => "identity token is not for this broker (audience)",
        SecurityTokenInvalidIssuerException => "identity token issuer is not trusted",
        SecurityTokenInvalidAlgorithmException => "identity token algorithm is not allowed",
        SecurityTokenNoExpirationException => "identity token has no expiry",
        _ => "identity token is invalid",
    };
}

public sealed record IdentityValidation(WorkloadIdentity? Identity, string? Failure)
{
    public static IdentityValidation Success(WorkloadIdentity identity) => new(identity, null);

    public static IdentityValidation Fail(string reason) => new(null, reason);
}
