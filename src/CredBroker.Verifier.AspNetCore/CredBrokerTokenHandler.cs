using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using CredBroker.Core.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier.AspNetCore;

/// <summary>
/// Authenticates a request by its <c>Authorization: Bearer</c> CredBroker access token through the
/// <see cref="TokenVerifier"/> (signature, issuer, this server's audience, lifetime, revocation). Which tool the
/// token must grant is authorization's question (<see cref="CredBrokerToolRequirement"/>). Challenges follow
/// RFC 6750: 401 with <c>error="invalid_token"</c>, 403 with <c>error="insufficient_scope"</c>, each naming the
/// RFC 9728 <c>resource_metadata</c>; a verifier that
/// cannot decide (stale revocation view, broker unreachable) answers 503, not 401, so clients retry rather than
/// discard a good token.
/// </summary>
public sealed class CredBrokerTokenHandler(IOptionsMonitor<CredBrokerTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenVerifier verifier)
    : AuthenticationHandler<CredBrokerTokenOptions>(options, logger, encoder)
{
    private const string VerificationItem = "CredBroker.Verification";

    /// <summary>
    /// No bearer token: no result, so other schemes may run. A token the <see cref="TokenVerifier"/> accepts: a principal of
    /// this scheme with one <see cref="CredBrokerTokenDefaults.ToolClaim"/> per granted tool, and the
    /// <see cref="CredBrokerTokenFeature"/>. Anything else fails, and the answer is kept for the challenge and for
    /// <see cref="Verification"/>.
    /// </summary>
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var result = await verifier.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        Context.Items[VerificationItem] = result;
        if (result.Claims is not { } claims)
        {
            return AuthenticateResult.Fail($"{result.Failure}: {result.Message}");
        }

        var identity = new ClaimsIdentity(Claims(claims), Scheme.Name, ClaimNames.Subject, CredBrokerTokenDefaults.ToolClaim);
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name);
        Context.Features.Set(new CredBrokerTokenFeature(claims));
        return AuthenticateResult.Success(ticket);
    }

    /// <summary>
    /// The verifier's answer on this request's bearer token, accepted or not; null when the request carried none (or
    /// the scheme has not run). A refused token's <see cref="TokenVerification.RefusedClaims"/> names its grant, so
    /// the refusal can be reported (<see cref="ToolUseReporter"/>).
    /// </summary>
    public static TokenVerification? Verification(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Items.TryGetValue(VerificationItem, out var item) ? item as TokenVerification : null;
    }

    /// <summary>
    /// RFC 6750 section 3: 401 with <c>error="invalid_token"</c> and the verifier's reason (a bare challenge when no token
    /// was sent); 503 with <c>Retry-After: 1</c> when the verifier could not decide, so a client retries with the same token.
    /// </summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var verification = Verification(Context);
        if (verification is { IsUndecided: true })
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = verification is null
            ? Challenge(null, null)
            : Challenge("invalid_token", verification.Message);
        return Task.CompletedTask;
    }

    /// <summary>
    /// RFC 6750 section 3.1: 403 <c>insufficient_scope</c> with <c>scope</c> naming the tools the token lacks, so a
    /// client (an MCP client stepping up) knows what to ask the broker for.
    /// </summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var missing = CredBrokerToolHandler.Missing(Context);
        Response.Headers.WWWAuthenticate = Challenge(
            "insufficient_scope",
            missing.Count == 0 ? "the token does not grant the tool this endpoint needs" : $"the token does not grant {string.Join(", ", missing)}",
            missing.Count == 0 ? null : string.Join(' ', missing));
        return Task.CompletedTask;
    }

    private string Challenge(string? error, string? description, string? scope = null)
    {
        var parts = new List<string>();
        if (Options.Realm is { } realm)
        {
            parts.Add($"realm=\"{Quote(realm)}\"");
        }

        if (error is not null)
        {
            parts.Add($"error=\"{error}\"");
        }

        if (description is not null)
        {
            parts.Add($"error_description=\"{Quote(description)}\"");
        }

        if (scope is not null)
        {
            parts.Add($"scope=\"{Quote(scope)}\"");
        }

        // RFC 9728 section 5.1: where the client learns which authorization server to ask, and for what.
        parts.Add($"resource_metadata=\"{Quote(ProtectedResourceMetadata.MetadataUri(Context, ProtectedResourceMetadata.Options(Context.RequestServices)))}\"");
        return "Bearer " + string.Join(", ", parts);
    }

    /// <summary>RFC 6750 section 3: the description is printable ASCII without quote or backslash.</summary>
    private static string Quote(string text) =>
        new(text.Where(c => c is >= ' ' and <= '~' and not '"' and not '\\').ToArray());

    private static IEnumerable<Claim> Claims(AccessTokenClaims claims)
    {
        yield return new Claim(ClaimNames.Subject, claims.Subject);
        yield return new Claim(ClaimNames.ClientId, claims.ClientId);
        yield return new Claim(ClaimNames.Issuer, claims.Issuer);
        yield return new Claim(ClaimNames.Audience, claims.Audience);
        yield return new Claim(ClaimNames.JwtId, claims.JwtId);
        yield return new Claim(ClaimNames.TaskId, claims.TaskId);
        yield return new Claim(ClaimNames.Owner, claims.Owner);
        yield return new Claim(ClaimNames.Expires, claims.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);
        foreach (var tool in claims.Scope)
        {
            yield return new Claim(CredBrokerTokenDefaults.ToolClaim, tool);
        }
    }
}

/// <summary>The validated token of the current request; <c>HttpContext.Features.Get&lt;CredBrokerTokenFeature&gt;()</c>.</summary>
/// <param name="Claims">The claims of the token the CredBroker scheme accepted for this request.</param>
public sealed record CredBrokerTokenFeature(AccessTokenClaims Claims);
