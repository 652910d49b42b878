using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Identity;

/// <summary>
/// Validates a caller's identity token (a JWT-SVID or OIDC token) against the trusted issuers:
/// signature by the named issuer's own key found by exact <c>kid</c>, <c>iss</c>, a single
/// <c>aud</c> that is ours, lifetime with small skew, pinned asymmetric algorithms, no <c>crit</c>,
/// and a workload SPIFFE ID inside the issuer's trust domains. Reasons never quote the token.
/// </summary>
public sealed class IdentityTokenValidator
{
    public const int MaxTokenLength = 16 * 1024;

    /// <summary>JOSE types an identity token may carry; <c>at+jwt</c> (our own access tokens) is not one.</summary>
    private static readonly string[] IdentityTypes = ["JWT", "JOSE"];

    private readonly JsonWebTokenHandler handler = new() { MaximumTokenSizeInBytes = MaxTokenLength };
    private readonly Dictionary<string, (TrustedIssuer Issuer, TokenValidationParameters Parameters)> issuers;
    private readonly TimeSpan clockSkew;
    private readonly TimeProvider time;
    private readonly IIdentityReplayGuard? replayGuard;

    /// <param name="replayGuard">When given, each token is accepted once only (its <c>jti</c> is remembered).</param>
    public IdentityTokenValidator(IEnumerable<TrustedIssuer> trusted, TimeSpan clockSkew, TimeProvider time, IIdentityReplayGuard? replayGuard = null)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        issuers = trusted.ToDictionary(t => t.Issuer, t => (t, Parameters(t, clockSkew, time)), StringComparer.Ordinal);
        this.clockSkew = clockSkew;
        this.time = time;
        this.replayGuard = replayGuard;
    }

    /// <summary>Each token is good for one call only; a validated token must not be cached.</summary>
    public bool SingleUse => replayGuard is not null;

    public IReadOnlyCollection<string> Issuers => issuers.Keys;

    public async Task<IdentityValidation> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length > MaxTokenLength)
        {
            return IdentityValidation.Fail($"identity token is longer than {MaxTokenLength} characters");
        }

        JsonWebToken unverified;
        try
        {
            // JWS compact only: a JWE (five segments) is not an identity we can check.
            unverified = token.Count(c => c == '.') == 2 ? new JsonWebToken(token) : throw new ArgumentException("not JWS compact");
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

        var issuer = entry.Issuer;
        if (HeaderProblem(unverified, issuer) is { } problem)
        {
            return IdentityValidation.Fail(problem);
        }

        if (!unverified.TryGetPayloadValue<long>("exp", out _))
        {
            // An identity without an end could be replayed forever.
            return IdentityValidation.Fail("identity token has no expiry (exp); identity tokens must be short-lived");
        }

        var key = await issuer.Keys.FindAsync(unverified.Kid, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            var source = issuer.KeySource is null ? string.Empty : $"; this broker reads its keys from {issuer.KeySource}";
            return IdentityValidation.Fail($"identity token names a key (kid) that issuer {issuer.Issuer} does not publish{source}");
        }

        if (key.Algorithm is { } keyAlg && !string.Equals(keyAlg, unverified.Alg, StringComparison.Ordinal))
        {
            return IdentityValidation.Fail($"identity token algorithm does not match its key's algorithm {keyAlg}");
        }

        var parameters = entry.Parameters.Clone();
        var kid = unverified.Kid;
        parameters.IssuerSigningKeyResolver = (_, _, requested, _) => requested == kid ? [key.Key] : [];
        var result = await handler.ValidateTokenAsync(unverified, parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return IdentityValidation.Fail(result.Exception is SecurityTokenInvalidLifetimeException ? Lifetime(unverified) : Describe(result.Exception));
        }

        if (unverified.Audiences.Count() != 1)
        {
            // A token several services accept could be replayed here by any of them.
            return IdentityValidation.Fail($"identity token names several audiences; ask the issuer for one whose only audience is '{issuer.Audience}'");
        }

        unverified.TryGetPayloadValue<string>(issuer.SubjectClaim, out var claim);
        var (id, failure) = issuer.Subject(claim);
        if (id is null)
        {
            return IdentityValidation.Fail(failure!);
        }

        var expiresAt = new DateTimeOffset(unverified.ValidTo, TimeSpan.Zero);
        if (replayGuard is not null && await ReplayProblemAsync(unverified, issuer, expiresAt, cancellationToken).ConfigureAwait(false) is { } replay)
        {
            return IdentityValidation.Fail(replay);
        }

        return IdentityValidation.Success(new WorkloadIdentity(id, issuer.Issuer, expiresAt));
    }

    private static string? HeaderProblem(JsonWebToken token, TrustedIssuer issuer)
    {
        if (!string.IsNullOrEmpty(token.Typ) && !IdentityTypes.Contains(token.Typ, StringComparer.OrdinalIgnoreCase))
        {
            // RFC 8725 section 3.11: explicit typing keeps one kind of JWT from passing as another.
            return "identity token has a JOSE type that is not an identity token's (an access token is not an identity)";
        }

        if (token.TryGetHeaderValue<object>("crit", out _))
        {
            // RFC 7515 section 4.1.11: extensions we do not understand must be refused; we understand none.
            return "identity token carries a crit header, which is not accepted";
        }

        if (!issuer.Algorithms.Contains(token.Alg, StringComparer.Ordinal))
        {
            return $"identity token algorithm is not allowed for issuer {issuer.Issuer} (allowed: {string.Join(", ", issuer.Algorithms)})";
        }

        return string.IsNullOrEmpty(token.Kid) || token.Kid.Length > 256
            ? "identity token has no key id (kid) header"
            : null;
    }

    private async Task<string?> ReplayProblemAsync(JsonWebToken token, TrustedIssuer issuer, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token.Id) || token.Id.Length > 256)
        {
            return "identity token has no jti, and this broker accepts each identity token once only";
        }

        return await replayGuard!.TryFirstUseAsync(issuer.Issuer, token.Id, expiresAt + clockSkew, cancellationToken).ConfigureAwait(false)
            ? null
            : "identity token was already used (its jti was seen before); this broker accepts each identity token once, so fetch a fresh one";
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
    };

    private string Lifetime(JsonWebToken token) => token.ValidTo <= time.GetUtcNow().UtcDateTime - clockSkew
        ? $"identity token has expired (allowing {clockSkew.TotalSeconds:0} s of clock skew); fetch a fresh one"
        : $"identity token is not yet valid (nbf is ahead even allowing {clockSkew.TotalSeconds:0} s of clock skew); check the workload's clock";

    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenSignatureKeyNotFoundException => "identity token signing key is unknown to its issuer",
        SecurityTokenInvalidSignatureException => "identity token signature is invalid",
        SecurityTokenInvalidAudienceException => "identity token is not for this broker (audience)",
        SecurityTokenInvalidIssuerException => "identity token issuer is not trusted",
        SecurityTokenInvalidAlgorithmException => "identity token algorithm is not allowed",
        _ => "identity token is invalid",
    };
}

public sealed record IdentityValidation(WorkloadIdentity? Identity, string? Failure)
{
    public static IdentityValidation Success(WorkloadIdentity identity) => new(identity, null);

    public static IdentityValidation Fail(string reason) => new(null, reason);
}
