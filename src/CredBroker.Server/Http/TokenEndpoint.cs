using System.Diagnostics;
using CredBroker.Core;
using CredBroker.Core.Approvals;
using CredBroker.Core.Audit;
using CredBroker.Core.Grants;
using CredBroker.Core.Identity;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using CredBroker.Server.Auth;
using CredBroker.Server.Errors;
using CredBroker.Server.Mapping;
using CredBroker.Server.Telemetry;

namespace CredBroker.Server.Http;

/// <summary>
/// <c>POST /oauth2/token</c> (RFC 6749 section 3.2) with the RFC 7523 jwt-bearer grant: the assertion is the
/// workload's identity token, checked by the same <see cref="CallerAuthenticator"/> as gRPC's bearer identity,
/// and the request is decided by the same <see cref="GrantBroker.RequestGrantAsync"/> call as
/// <c>GrantService.RequestGrant</c>, so policy, quotas, anomaly rules, audit and metrics are the same. The RFC 8693
/// token exchange is likewise <see cref="GrantBroker.ExchangeGrantAsync"/>, <c>GrantService.ExchangeGrant</c>'s call.
/// </summary>
public static class TokenEndpoint
{
    public const string Path = "/oauth2/token";

    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, HandleAsync).DisableAntiforgery().WithServerErrors();
        return endpoints;
    }

    /// <summary>How often a client with a held request polls (CIBA Core section 7.3 <c>interval</c>).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private static async Task<IResult> HandleAsync(HttpContext http, CallerAuthenticator authenticator, IPolicySource policy, GrantBroker broker, IApprovalStore store, TimeProvider time, ILoggerFactory loggers)
    {
        var requestId = RequestIds.Assign(http);
        var (form, badForm) = await TokenRequestForm.ReadAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (badForm is not null)
        {
            return badForm.ToResult(http);
        }

        var current = policy.Current;
        var (request, badRequest) = TokenRequestReader.Read(form!, http.Request, current);
        if (badRequest is not null)
        {
            return badRequest.ToResult(http);
        }

        var logger = loggers.CreateLogger(typeof(TokenEndpoint));
        var (caller, refused) = request!.IdentityIsGrant || request.IdentityIsActor
            ? await AuthenticateAsync(request.Client.Assertion!, request.IdentityIsActor, authenticator, current, logger, http.RequestAborted).ConfigureAwait(false)
            : await OAuthClientAuthentication.AuthenticateAsync(http, request.Client, current, Role.Agent, "the token endpoint").ConfigureAwait(false);
        if (refused is not null)
        {
            return refused.ToResult(http);
        }

        using var actor = AuditContext.Begin(new AuditActor(caller!.Id, requestId));
        if (request.AuthRequestId is { } approvalId)
        {
            return await CollectAsync(http, caller, approvalId, broker, store, request).ConfigureAwait(false);
        }

        if (request.SubjectToken is { } subject)
        {
            var exchanged = await broker.ExchangeGrantAsync(GrantMapping.ToCore(request.Grant, subject, caller) with { Wire = Wires.Http }, http.RequestAborted).ConfigureAwait(false);
            return exchanged switch
            {
                GrantOutcome.Issued issued => Issued(http, issued, [], exchanged: true),
                GrantOutcome.Refused { Refusal: var refusal } => OAuthErrors.FromExchange(refusal).ToResult(http),
                _ => throw new UnreachableException(),
            };
        }

        var outcome = await broker.RequestGrantAsync(GrantMapping.ToCore(request.Grant, caller) with { Wire = Wires.Http }, http.RequestAborted).ConfigureAwait(false);
        return Answer(http, outcome, request, time);
    }

    private static IResult Answer(HttpContext http, GrantOutcome outcome, TokenGrantRequest request, TimeProvider time, ApprovalRecord? collecting = null) => outcome switch
    {
        GrantOutcome.Issued issued => Issued(http, issued, request.Grant.Context.Count > 0 || collecting is null ? request.Grant.Context : collecting.Context),
        GrantOutcome.Pending pending => OAuthErrors.HeldForApproval(pending.Approval, time.GetUtcNow(), PollInterval).ToResult(http),
        GrantOutcome.Refused { Refusal: var refusal } when collecting is { State: ApprovalState.Expired } => OAuthErrors.ExpiredToken(refusal.Message).ToResult(http),
        GrantOutcome.Refused { Refusal: var refusal } => OAuthErrors.From(refusal).ToResult(http),
        _ => throw new UnreachableException(),
    };

    /// <summary>
    /// A poll of the CIBA grant: undecided is <c>authorization_pending</c>; anything decided goes through the same
    /// <see cref="GrantBroker.RequestGrantAsync"/> collection as gRPC's <c>RequestGrant(approval_id)</c>, so only the
    /// requesting workload collects, exactly once, and policy in force now still applies. Separation of duties is
    /// the approval's: only an approver other than the workload could have approved it.
    /// </summary>
    private static async Task<IResult> CollectAsync(HttpContext http, Caller caller, string approvalId, GrantBroker broker, IApprovalStore store, TokenGrantRequest request)
    {
        if (CredBroker.Core.Validation.FieldChecks.ApprovalId(approvalId) is { } badId)
        {
            return OAuthErrors.InvalidRequest("auth_req_id: " + badId.Message).ToResult(http);
        }

        ApprovalRecord? approval;
        try
        {
            approval = await store.GetApprovalAsync(approvalId, http.RequestAborted).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException)
        {
            return OAuthErrors.From(Refusal.StoreUnavailable("grant store unavailable; approval not read, no token issued")).ToResult(http);
        }

        if (approval is null || !string.Equals(approval.WorkloadId, caller.Id, StringComparison.Ordinal))
        {
            // Someone else's approval reads as unknown, as over gRPC: ids are not to be probed.
            return OAuthErrors.InvalidGrant($"auth_req_id: no approval '{approvalId}' for this workload").ToResult(http);
        }

        if (approval.State == ApprovalState.Pending)
        {
            return OAuthErrors.StillPending(approval, PollInterval).ToResult(http);
        }

        var collect = new CredBroker.Core.Grants.GrantRequest(caller.Id, approval.TaskId, approval.Purpose, approval.Tools, approval.Ttl, approval.Context, approvalId) { Wire = Wires.Http };
        var outcome = await broker.RequestGrantAsync(collect, http.RequestAborted).ConfigureAwait(false);
        return Answer(http, outcome, request, http.RequestServices.GetRequiredService<TimeProvider>(), approval);
    }

    /// <summary>
    /// The assertion (or the token exchange's <c>actor_token</c>) as an identity holding the agent role, exactly as
    /// the gRPC interceptor admits RequestGrant. A bad jwt-bearer assertion is <c>invalid_grant</c> (RFC 7523 section
    /// 3.1); a bad actor token is <c>invalid_request</c> (RFC 8693 section 2.2.2).
    /// </summary>
    private static async Task<(Caller? Caller, OAuthError? Error)> AuthenticateAsync(string assertion, bool actor, CallerAuthenticator authenticator, BrokerPolicy policy, ILogger logger, CancellationToken cancellationToken)
    {
        IdentityValidation authenticated;
        try
        {
            authenticated = await authenticator.AuthenticateBearerAsync(assertion, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException)
        {
            // Single-use identity tokens cannot be checked without the store: refuse rather than admit a replay.
            return (null, OAuthErrors.From(Refusal.StoreUnavailable("identity replay store unavailable; no token issued, try again")));
        }

        if (authenticated.Identity is not { } identity)
        {
            ServerLog.TokenEndpointBadAssertion(logger, authenticated.Failure!);
            return (null, actor ? OAuthErrors.InvalidRequest("actor_token: " + authenticated.Failure) : OAuthErrors.InvalidGrant("assertion: " + authenticated.Failure));
        }

        return OAuthClientAuthentication.Admit(identity, policy, "the token endpoint", logger, Role.Agent);
    }

    /// <summary>
    /// RFC 6749 section 5.1, with the granted RFC 9396 authorization_details echoed (section 7); an exchange's answer
    /// also names the token's type (RFC 8693 section 2.2.1, <c>issued_token_type</c>).
    /// </summary>
    private static IResult Issued(HttpContext http, GrantOutcome.Issued issued, IEnumerable<KeyValuePair<string, string>> context, bool exchanged = false)
    {
        var grant = issued.Grant;
        TokenResponseHeaders.NoStore(http.Response);
        var answer = new Dictionary<string, object>
        {
            ["access_token"] = issued.AccessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)(grant.ExpiresAt - grant.IssuedAt).TotalSeconds,
            ["scope"] = string.Join(' ', grant.Tools),
            ["authorization_details"] = new object[]
            {
                new Dictionary<string, object>
                {
                    ["type"] = OAuthErrors.AuthorizationDetailsType,
                    ["task_id"] = grant.TaskId,
                    ["tools"] = grant.Tools,
                    ["purpose"] = grant.Purpose,
                    ["context"] = context.ToDictionary(StringComparer.Ordinal),
                },
            },
        };
        if (exchanged)
        {
            answer["issued_token_type"] = TokenRequestReader.AccessTokenType;
        }

        return Results.Json(answer);
    }
}
