using System.Diagnostics;
using CredBroker.Core;
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
/// <c>GrantService.RequestGrant</c>, so policy, quotas, anomaly rules, audit and metrics are the same.
/// </summary>
public static partial class TokenEndpoint
{
    public const string Path = "/oauth2/token";

    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, HandleAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(HttpContext http, CallerAuthenticator authenticator, IPolicySource policy, GrantBroker broker, ILoggerFactory loggers)
    {
        var requestId = RequestIds.Assign(http);
        var (form, badForm) = await TokenRequestForm.ReadAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (badForm is not null)
        {
            return badForm.ToResult(http);
        }

        var current = policy.Current;
        var (request, badRequest) = TokenRequestReader.Read(form!, current);
        if (badRequest is not null)
        {
            return badRequest.ToResult(http);
        }

        var logger = loggers.CreateLogger(typeof(TokenEndpoint));
        var (caller, refused) = await AuthenticateAsync(request!.Assertion, authenticator, current, logger, http.RequestAborted).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused.ToResult(http);
        }

        using var actor = AuditContext.Begin(new AuditActor(caller!.Id, requestId));
        var outcome = await broker.RequestGrantAsync(GrantMapping.ToCore(request.Grant, caller), http.RequestAborted).ConfigureAwait(false);
        return outcome switch
        {
            GrantOutcome.Issued issued => Issued(http, issued, request),
            GrantOutcome.Pending pending => OAuthErrors.HeldForApproval(pending.Approval).ToResult(http),
            GrantOutcome.Refused { Refusal: var refusal } => OAuthErrors.From(refusal).ToResult(http),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>The assertion as an identity holding the agent role, exactly as the gRPC interceptor admits RequestGrant.</summary>
    private static async Task<(Caller? Caller, OAuthError? Error)> AuthenticateAsync(string assertion, CallerAuthenticator authenticator, BrokerPolicy policy, ILogger logger, CancellationToken cancellationToken)
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
            return (null, OAuthErrors.InvalidGrant("assertion: " + authenticated.Failure));
        }

        if (!CallerRoles.Holds(policy, identity.Id, Role.Agent))
        {
            ServerLog.TokenEndpointNotAnAgent(logger, identity.Id);
            // RFC 6749 section 5.2: the identity is genuine but not allowed this grant.
            return (null, OAuthErrors.UnauthorizedClient($"{identity.Id} lacks role agent (it is not a workload in policy), which the token endpoint requires"));
        }

        return (new Caller(identity, Role.Agent), null);
    }

    /// <summary>RFC 6749 section 5.1, with the granted RFC 9396 authorization_details echoed (section 7).</summary>
    private static IResult Issued(HttpContext http, GrantOutcome.Issued issued, TokenGrantRequest request)
    {
        var grant = issued.Grant;
        TokenResponseHeaders.NoStore(http.Response);
        return Results.Json(new Dictionary<string, object>
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
                    ["purpose"] = grant.Purpose,
                    ["context"] = request.Grant.Context.ToDictionary(StringComparer.Ordinal),
                },
            },
        });
    }
}
