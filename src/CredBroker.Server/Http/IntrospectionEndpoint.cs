using CredBroker.Core.Policy;
using CredBroker.Core.Tokens;
using CredBroker.Server.Errors;
using CredBroker.Server.Telemetry;

namespace CredBroker.Server.Http;

/// <summary>
/// <c>POST /oauth2/introspect</c> (RFC 7662): a tool server, authenticated by a JWT-SVID client assertion or
/// an X.509-SVID certificate, asks whether a token is live. The answer is <see cref="TokenIntrospector"/>'s, as
/// for gRPC's <c>VerifyService.Introspect</c>, so a token of an audience the caller does not serve is inactive.
/// </summary>
public static class IntrospectionEndpoint
{
    public const string Path = "/oauth2/introspect";

    public static IEndpointRouteBuilder MapIntrospectionEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, HandleAsync).DisableAntiforgery().WithServerErrors();
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(HttpContext http, IPolicySource policy, TokenIntrospector introspector)
    {
        RequestIds.Assign(http);
        var (form, caller, refused) = await OAuthClientAuthentication.ReadAsync(http, policy.Current, "the introspection endpoint", Role.Tool).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused.ToResult(http);
        }

        var result = await introspector.IntrospectAsync(form!["token"], caller!.Id, http.RequestAborted).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return OAuthErrors.From(result.Refusal).ToResult(http);
        }

        TokenResponseHeaders.NoStore(http.Response);
        if (result.Value.Claims is not { } c)
        {
            // RFC 7662 section 2.2: an inactive token gets "active": false and nothing else, not even why.
            return Results.Json(new Dictionary<string, object> { ["active"] = false });
        }

        return Results.Json(new Dictionary<string, object>
        {
            ["active"] = true,
            ["token_type"] = "Bearer",
            ["scope"] = c.ScopeText,
            ["client_id"] = c.ClientId,
            ["sub"] = c.Subject,
            ["aud"] = c.Audience,
            ["iss"] = c.Issuer,
            ["iat"] = c.IssuedAt.ToUnixTimeSeconds(),
            ["nbf"] = c.NotBefore.ToUnixTimeSeconds(),
            ["exp"] = c.ExpiresAt.ToUnixTimeSeconds(),
            ["jti"] = c.JwtId,
            ["task_id"] = c.TaskId,
            ["purpose"] = c.Purpose,
            ["owner"] = c.Owner,
        });
    }
}
