using System.Globalization;
using CredBroker.Core;
using CredBroker.Core.Approvals;

namespace CredBroker.Server.Errors;

/// <summary>An OAuth error response (RFC 6749 section 5.2): the HTTP status, the error code and a description a person can act on.</summary>
public sealed record OAuthError(int Status, string Error, string Description)
{
    /// <summary>Sent as <c>Retry-After</c> (RFC 9110 section 10.2.3) when set.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Sent as <c>WWW-Authenticate</c> when set (RFC 6749 section 5.2, <c>invalid_client</c>).</summary>
    public string? WwwAuthenticate { get; init; }

    /// <summary>Members beside <c>error</c> and <c>error_description</c>, e.g. CIBA's <c>interval</c>.</summary>
    public IReadOnlyDictionary<string, object>? Extra { get; init; }

    public IResult ToResult(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        TokenResponseHeaders.NoStore(http.Response);
        if (RetryAfter is { } retry)
        {
            http.Response.Headers.RetryAfter = ((long)Math.Ceiling(Math.Max(retry.TotalSeconds, 1))).ToString(CultureInfo.InvariantCulture);
        }

        if (WwwAuthenticate is { } challenge)
        {
            http.Response.Headers.WWWAuthenticate = challenge;
        }

        var body = new Dictionary<string, object> { ["error"] = Error, ["error_description"] = Description };
        foreach (var (name, value) in Extra ?? new Dictionary<string, object>())
        {
            body[name] = value;
        }

        return Results.Json(body, statusCode: Status);
    }
}

/// <summary>The token endpoint's answer headers, on success and error alike.</summary>
public static class TokenResponseHeaders
{
    /// <summary>RFC 6749 section 5.1: a response carrying a token, or about one, must not be cached.</summary>
    public static void NoStore(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
    }
}

/// <summary>
/// The one place where Core's refusals become OAuth token-endpoint errors, as <see cref="RpcErrors"/> is for gRPC:
/// each <see cref="RefusalKind"/> maps to one error code, with Core's message as the description.
/// </summary>
public static class OAuthErrors
{
    public const string AuthorizationDetailsType = "credbroker_task";

    public static OAuthError From(Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal.Kind switch
        {
            RefusalKind.InvalidArgument => Invalid(refusal),
            // RFC 8628 section 3.5 / CIBA section 11 register access_denied for the token endpoint: the request was understood and refused.
            RefusalKind.PermissionDenied => new OAuthError(400, "access_denied", refusal.Message),
            // Task revoked, past its deadline or not opened, kill switch, quarantine: the grant the assertion asks for cannot be had now (RFC 6749 section 5.2).
            RefusalKind.FailedPrecondition or RefusalKind.NotFound => new OAuthError(400, "invalid_grant", refusal.Message) { RetryAfter = refusal.RetryAfter },
            RefusalKind.ResourceExhausted => new OAuthError(429, "temporarily_unavailable", refusal.Message) { RetryAfter = refusal.RetryAfter },
            // Invariant 1: the store could not record the grant, so no token; the client may retry.
            RefusalKind.Unavailable => new OAuthError(503, "temporarily_unavailable", refusal.Message) { RetryAfter = refusal.RetryAfter },
            _ => ServerError(),
        };
    }

    /// <summary>
    /// A refused token exchange. RFC 8693 section 2.2.2: a subject or actor token that is invalid or unacceptable by
    /// policy (dead parent, depth, delegates, another task) is <c>invalid_request</c>; tools beyond the parent's (or
    /// the child's policy) are <c>invalid_scope</c> (RFC 6749 section 5.2), another audience <c>invalid_target</c>
    /// (RFC 8707); a busy or unavailable broker answers as for any grant.
    /// </summary>
    public static OAuthError FromExchange(Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal switch
        {
            { Kind: RefusalKind.ResourceExhausted or RefusalKind.Unavailable } => From(refusal),
            // A malformed field, named: tools are invalid_scope, task_id and purpose invalid_authorization_details, the rest invalid_request.
            { Kind: RefusalKind.InvalidArgument } => From(refusal),
            { Field: "tools" } => InvalidScope(refusal.Message),
            { Field: "resource" } => InvalidTarget(refusal.Message),
            _ => new OAuthError(400, "invalid_request", refusal.Message) { RetryAfter = refusal.RetryAfter },
        };
    }

    public static OAuthError InvalidRequest(string description) => new(400, "invalid_request", description);

    public static OAuthError InvalidGrant(string description) => new(400, "invalid_grant", description);

    public static OAuthError UnauthorizedClient(string description) => new(400, "unauthorized_client", description);

    /// <summary>
    /// RFC 6749 section 5.2: the client could not be authenticated. 401, with a challenge naming the ways in,
    /// since a client that sent none (or a bad one) must learn what the endpoint takes.
    /// </summary>
    public static OAuthError InvalidClient(string description) => new(401, "invalid_client", description)
    {
        WwwAuthenticate = $"{ClientAuthenticationScheme} realm=\"credbroker\", error=\"invalid_client\"",
    };

    /// <summary>The challenge scheme of <c>invalid_client</c>: a client authenticates with a JWT-SVID assertion (or a certificate), not a password.</summary>
    public const string ClientAuthenticationScheme = "Bearer";

    /// <summary>
    /// Policy held the request for a person (CIBA poll mode, OpenID CIBA Core section 11): the approval id is the
    /// <c>auth_req_id</c>, and the client polls the token endpoint with the CIBA grant every <c>interval</c> seconds
    /// until a decision. The approval stands and is on record, as for gRPC.
    /// </summary>
    public static OAuthError HeldForApproval(ApprovalRecord approval, DateTimeOffset now, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        return new OAuthError(400, "authorization_pending",
            $"approval required: {approval.Reason} (approval {approval.ApprovalId}, expires {approval.ExpiresAt:yyyy-MM-ddTHH:mm:ssZ}); " +
            $"poll this endpoint with grant_type={CibaGrant}&auth_req_id={approval.ApprovalId} and the same client authentication every {(int)interval.TotalSeconds}s")
        {
            Extra = new Dictionary<string, object>
            {
                ["auth_req_id"] = approval.ApprovalId,
                ["interval"] = (int)interval.TotalSeconds,
                ["expires_in"] = Math.Max(0, (long)(approval.ExpiresAt - now).TotalSeconds),
            },
        };
    }

    /// <summary>A poll for an approval nobody has decided yet (CIBA Core section 11): try again after <c>interval</c>.</summary>
    public static OAuthError StillPending(ApprovalRecord approval, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        return new OAuthError(400, "authorization_pending", $"approval {approval.ApprovalId} is not decided yet; poll again in {(int)interval.TotalSeconds}s")
        {
            Extra = new Dictionary<string, object> { ["interval"] = (int)interval.TotalSeconds },
        };
    }

    /// <summary>CIBA Core section 11: the approval expired before anyone decided it.</summary>
    public static OAuthError ExpiredToken(string description) => new(400, "expired_token", description);

    /// <summary>The OpenID CIBA grant, by which a client collects a held request (poll mode).</summary>
    public const string CibaGrant = "urn:openid:params:grant-type:ciba";

    public static OAuthError UnsupportedGrantType(string description) => new(400, "unsupported_grant_type", description);

    public static OAuthError InvalidScope(string description) => new(400, "invalid_scope", description);

    /// <summary>RFC 8707 section 2.</summary>
    public static OAuthError InvalidTarget(string description) => new(400, "invalid_target", description);

    /// <summary>RFC 9396 section 5.</summary>
    public static OAuthError InvalidAuthorizationDetails(string description) => new(400, "invalid_authorization_details", description);

    /// <summary>Anything unexpected (<see cref="Http.OAuthServerErrors"/>); the description says nothing of the cause.</summary>
    public static OAuthError ServerError() => new(500, "server_error", "the broker failed unexpectedly; the cause is in its log, under this response's x-request-id");

    /// <summary>A field Core named, by the form parameter that carried it: tools came in <c>scope</c>, the task in <c>authorization_details</c>.</summary>
    private static OAuthError Invalid(Refusal refusal)
    {
        var field = refusal.Field ?? string.Empty;
        var problem = field.Length > 0 && refusal.Message.StartsWith(field + ": ", StringComparison.Ordinal) ? refusal.Message[(field.Length + 2)..] : refusal.Message;
        if (field == "tools" || field.StartsWith("tools[", StringComparison.Ordinal))
        {
            return InvalidScope($"scope{field["tools".Length..]}: {problem}");
        }

        return field is "task_id" or "purpose" or "context"
            ? InvalidAuthorizationDetails($"authorization_details[0].{field}: {problem}")
            : InvalidRequest(refusal.Message);
    }
}
