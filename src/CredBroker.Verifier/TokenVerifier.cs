using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using CredBroker.Core.Revocation;
using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RevocationKind = CredBroker.Core.Revocation.RevocationKind;

namespace CredBroker.Verifier;

/// <summary>
/// Decides whether a tool server may honour a CredBroker access token: offline validation (the broker's
/// own <see cref="AccessTokenValidator"/>: ES256, <c>at+jwt</c>, exact <c>kid</c> from the JWKS,
/// <c>iss</c>, this server's <c>aud</c>, <c>exp</c>/<c>nbf</c> with small skew), the tool in <c>scope</c>,
/// then the local revocation cache. A stale cache fails closed, or asks the broker's <c>Introspect</c>
/// when so configured. A token validated before is found in the <see cref="ValidatedTokenCache"/> and
/// skips only the signature and claim checks: its key must still be the one the JWKS holds, its
/// lifetime is judged again, and scope, revocation and staleness are checked on every call as for a new one.
/// </summary>
public sealed partial class TokenVerifier
{
    /// <summary>
    /// The verifier's OpenTelemetry trace source: one span per token check (<c>TokenVerifier.Validate</c>), a child of the
    /// tool server's request span and so of the agent's trace. Add it with <c>AddSource(TokenVerifier.ActivitySourceName)</c>.
    /// </summary>
    public const string ActivitySourceName = "CredBroker.Verifier";

    /// <summary>
    /// The verifier's meter: <c>credbroker.verifier.token_cache</c> counts lookups in the validated-token cache, tagged
    /// <c>result</c> = <c>hit</c> or <c>miss</c>. Add it with <c>AddMeter(TokenVerifier.MeterName)</c> to export it.
    /// </summary>
    public const string MeterName = VerifierMetrics.MeterName;

    private static readonly ActivitySource Source = new(ActivitySourceName);

    private readonly AccessTokenValidator validator;
    private readonly JwksCache keys;
    private readonly ValidatedTokenCache validated;
    private readonly VerifierMetrics metrics;
    private readonly RevocationCache revocations;
    private readonly BrokerConnection broker;
    private readonly CredBrokerVerifierOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<TokenVerifier> logger;

    internal TokenVerifier(JwksCache keys, ValidatedTokenCache validated, RevocationCache revocations, BrokerConnection broker, VerifierMetrics metrics, IOptions<CredBrokerVerifierOptions> options, TimeProvider time, ILogger<TokenVerifier> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
        validator = new AccessTokenValidator(this.options.Issuer!, keys, this.options.Audience, this.options.ClockSkew, time);
        this.keys = keys;
        this.validated = validated;
        this.metrics = metrics;
        this.revocations = revocations;
        this.broker = broker;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Validates <paramref name="token"/> for use of <paramref name="tool"/>.</summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "the overloads differ in a required parameter (tool), so no call can bind to the other one")]
    public Task<TokenVerification> ValidateAsync(string? token, string tool, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        return VerifyAsync(token, tool, cancellationToken);
    }

    /// <summary>Validates <paramref name="token"/> without asking about a tool; for authentication, with the tool checked by authorization later.</summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "the overloads differ in a required parameter (tool), so no call can bind to the other one")]
    public Task<TokenVerification> ValidateAsync(string? token, CancellationToken cancellationToken = default) => VerifyAsync(token, null, cancellationToken);

    private async Task<TokenVerification> VerifyAsync(string? token, string? tool, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity("TokenVerifier.Validate");
        var verification = await VerifyCoreAsync(token, tool, cancellationToken).ConfigureAwait(false);
        if (activity is not null)
        {
            // Names and ids only: never the token.
            activity.SetTag("credbroker.tool", tool);
            activity.SetTag("credbroker.grant_id", verification.Claims?.JwtId);
            activity.SetTag("credbroker.task_id", verification.Claims?.TaskId);
            if (verification.Failure is { } failure)
            {
                activity.SetStatus(ActivityStatusCode.Error, failure.ToString());
            }
        }

        return verification;
    }

    private async Task<TokenVerification> VerifyCoreAsync(string? token, string? tool, CancellationToken cancellationToken)
    {
        var validation = await ValidateTokenAsync(token, cancellationToken).ConfigureAwait(false);
        if (validation.Claims is not { } claims)
        {
            VerifierLog.TokenVerifierRefused(logger, validation.Reason!.Value, validation.Failure!);
            return TokenVerification.Refused(validation.Reason!.Value, validation.Failure!);
        }

        if (tool is not null && !claims.Scope.Contains(tool, StringComparer.Ordinal))
        {
            return Refuse(claims, TokenFailure.ToolNotInScope, $"token does not grant tool '{tool}'");
        }

        var check = revocations.Check(claims);
        if (check.Rule is { } rule)
        {
            // Keyed on claims (jti, task, workload, tools, all), never on token bytes: a re-encoded
            // signature (the ECDSA high-S twin) is the same grant and just as revoked.
            return Refuse(claims, TokenFailure.Revoked, Describe(rule));
        }

        if (check.Fresh)
        {
            return TokenVerification.Valid(claims);
        }

        if (options.WhenStale == StaleBehavior.Reject)
        {
            return Refuse(claims, TokenFailure.Stale, Stale());
        }

        return await IntrospectAsync(token!, claims, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Signature and claims: from the cache when this exact token text validated before under a key still held, else in full.</summary>
    private async ValueTask<AccessTokenValidation> ValidateTokenAsync(string? token, CancellationToken cancellationToken)
    {
        // Empty and oversized tokens are refused by the validator before any work; hashing them first would be work for nothing.
        if (!validated.Enabled || string.IsNullOrEmpty(token) || token.Length > AccessTokenValidator.MaxTokenLength)
        {
            return await validator.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
        }

        var digest = TokenDigest.Of(token);
        // The very key object that verified it, not just its kid: a key withdrawn from the JWKS (or any refetch
        // of it) sends the token through full validation again, which answers as it would for a new token.
        if (validated.TryGet(digest, out var known) && ReferenceEquals(keys.Held(known.KeyId!), known.Key))
        {
            metrics.TokenCacheHit();
            // exp and nbf against the clock now, with the same skew and refusal as the validator's.
            return validator.CheckLifetime(known.Claims!) ?? known;
        }

        metrics.TokenCacheMiss();
        var validation = await validator.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
        if (validation.IsValid)
        {
            validated.Add(digest, validation);
        }

        return validation;
    }

    private async Task<TokenVerification> IntrospectAsync(string token, AccessTokenClaims claims, CancellationToken cancellationToken)
    {
        try
        {
            var call = await broker.CallOptionsAsync(time.GetUtcNow().UtcDateTime + options.IntrospectTimeout, cancellationToken).ConfigureAwait(false);
            var answer = await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, call).ConfigureAwait(false);
            return answer.Active
                ? TokenVerification.Valid(claims)
                : Refuse(claims, TokenFailure.Inactive, $"the broker says the token is not active: {answer.Reason}");
        }
        catch (RpcException e)
        {
            // Could not ask: the view is stale and the broker silent, so nothing proves the token unrevoked.
            VerifierLog.TokenVerifierIntrospectFailed(logger, e.StatusCode);
            return Refuse(claims, TokenFailure.Unavailable, $"{Stale()}, and the broker's Introspect failed ({e.StatusCode}); refusing");
        }
    }

    private string Stale() => revocations.LastProof is { } proof
        ? $"revocation view is stale (last confirmed {(time.GetUtcNow() - proof).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s ago, bound {options.MaxStaleness.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s)"
        : "revocation view is stale (not yet received from the broker)";

    private TokenVerification Refuse(AccessTokenClaims claims, TokenFailure failure, string message)
    {
        VerifierLog.TokenVerifierRefused(logger, failure, message);
        return TokenVerification.Refused(claims, failure, message);
    }

    private static string Describe(RevocationRule rule) => rule.Kind switch
    {
        RevocationKind.Grant => $"grant was revoked at {Time(rule.RevokedAt)}",
        RevocationKind.Task => $"task {rule.Subject} was revoked at {Time(rule.RevokedAt)}",
        RevocationKind.Workload => $"workload {rule.Subject} was revoked at {Time(rule.RevokedAt)}",
        RevocationKind.Tool => $"tool {rule.Subject} was revoked at {Time(rule.RevokedAt)}",
        _ => $"all tokens issued before {(rule.LiftedAt is { } lifted ? Time(lifted) : "now")} are revoked ({rule.Reason})",
    };

    private static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
