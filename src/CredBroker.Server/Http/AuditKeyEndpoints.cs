using CredBroker.Core.Audit;

namespace CredBroker.Server.Http;

/// <summary>
/// The public audit keys as a JWKS (RFC 7517), beside the token JWKS but apart from it: what
/// <c>credbroker audit verify</c> checks checkpoint signatures with. A verifier must never take
/// these keys for token keys, nor the reverse, so <c>use</c> names the purpose.
/// </summary>
public static class AuditKeyEndpoints
{
    public const string AuditKeysPath = "/.well-known/audit-keys.json";

    public static IEndpointRouteBuilder MapAuditKeys(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AuditKeysPath, (AuditSigningKeys keys, HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=300";
            return PublicKeySet.Json(keys.Published, "credbroker-audit");
        });
        return endpoints;
    }
}
