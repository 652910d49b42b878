using CredBroker.Core;
using CredBroker.Core.Audit;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Core.Tokens;
using CredBroker.Server.Errors;
using CredBroker.Server.Telemetry;

namespace CredBroker.Server.Http;

/// <summary>
/// <c>POST /oauth2/revoke</c> (RFC 7009): a workload revokes its own token (as gRPC's <c>ReleaseGrant</c>), an
/// operator any token (as <c>AdminService.RevokeGrant</c>). The token is named by its signed <c>jti</c>, never
/// by its bytes. A token that is not ours, malformed, expired or already dead answers 200, as section 2.2 says:
/// the client's purpose, that the token be unusable, is met.
/// </summary>
public static class RevocationEndpoint
{
    public const string Path = "/oauth2/revoke";

    public static IEndpointRouteBuilder MapRevocationEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, HandleAsync).DisableAntiforgery().WithServerErrors();
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(HttpContext http, IPolicySource policy, AccessTokenValidator validator, GrantBroker broker)
    {
        var requestId = RequestIds.Assign(http);
        var (form, caller, refused) = await OAuthClientAuthentication.ReadAsync(http, policy.Current, "the revocation endpoint", Role.Operator, Role.Agent).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused.ToResult(http);
        }

        var validation = await validator.ValidateAsync(form!["token"], http.RequestAborted).ConfigureAwait(false);
        if (validation.Claims is not { } claims)
        {
            return Done(http);
        }

        using var actor = AuditContext.Begin(new AuditActor(caller!.Id, requestId));
        var result = caller.Role == Role.Operator
            ? await broker.RevokeGrantAsync(claims.JwtId, "revoked over OAuth (RFC 7009)", http.RequestAborted).ConfigureAwait(false)
            : await broker.ReleaseGrantAsync(caller.Id, claims.JwtId, http.RequestAborted).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return Done(http);
        }

        return result.Refusal.Kind switch
        {
            // Unknown or expired grant: nothing left to revoke.
            RefusalKind.NotFound or RefusalKind.InvalidArgument => Done(http),
            // RFC 7009 section 2.1: the token was not issued to this client.
            RefusalKind.PermissionDenied => OAuthErrors.UnauthorizedClient($"token {claims.JwtId} was issued to another workload; a workload revokes only its own tokens, an operator any").ToResult(http),
            _ => OAuthErrors.From(result.Refusal).ToResult(http),
        };
    }

    private static IResult Done(HttpContext http)
    {
        TokenResponseHeaders.NoStore(http.Response);
        return Results.Ok();
    }
}
