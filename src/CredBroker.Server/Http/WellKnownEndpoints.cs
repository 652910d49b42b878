using System.Globalization;
using CredBroker.Core;
using CredBroker.Core.Policy;
using CredBroker.Core.SigningKeys;
using CredBroker.Core.Tokens;
using CredBroker.Server.Configuration;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Http;

/// <summary>The HTTP beside gRPC: JWKS and RFC 8414 metadata (the probes: <see cref="Telemetry.BrokerObservability"/>).</summary>
public static class WellKnownEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";
    public const string MetadataPath = "/.well-known/oauth-authorization-server";

    private static readonly string[] SigningAlgorithms = [ClaimNames.Algorithm];
    private static readonly string[] GrantTypes = TokenRequestReader.Supported;

    // RFC 7523 section 2.2 client assertions (the JWT-SVID) and RFC 8705 section 2.1 X.509-SVID certificates.
    private static readonly string[] AuthMethods = ["private_key_jwt", "tls_client_auth"];
    private static readonly string[] PollMode = ["poll"];
    private static readonly string[] AuthorizationDetailsTypes = [CredBroker.Server.Errors.OAuthErrors.AuthorizationDetailsType];
    private static readonly string[] GrpcServices =
        ["credbroker.v1.GrantService", "credbroker.v1.TaskService", "credbroker.v1.AdminService", "credbroker.v1.VerifyService"];

    public static IEndpointRouteBuilder MapWellKnown(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(JwksPath, (SigningKeyRing ring, IOptions<SigningKeyOptions> keyOptions, HttpContext http) =>
        {
            // Verifiers may cache this long; an old key stays published at least this much longer.
            http.Response.Headers.CacheControl = "public, max-age=" + ((int)keyOptions.Value.JwksCacheAge.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return PublicKeySet.Json(ring.Published, "sig");
        });

        endpoints.MapGet(MetadataPath, (IOptions<BrokerOptions> options, IOptions<ServerOptions> server, JwksLocation jwks, IPolicySource policy) =>
        {
            // RFC 8414 section 2: only what exists is advertised.
            var issuer = options.Value.Issuer;
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer,
                ["jwks_uri"] = jwks.JwksUri(issuer, server.Value.PublicHttpUrl).ToString(),
                ["token_endpoint"] = jwks.On(issuer, server.Value.PublicHttpUrl, TokenEndpoint.Path).ToString(),
                ["scopes_supported"] = policy.Current.Tools.Keys.Order(StringComparer.Ordinal).ToArray(),
                // No authorization endpoint: nothing is granted through a browser.
                ["response_types_supported"] = Array.Empty<string>(),
                ["grant_types_supported"] = GrantTypes,
                ["token_endpoint_auth_methods_supported"] = AuthMethods,
                ["introspection_endpoint"] = jwks.On(issuer, server.Value.PublicHttpUrl, IntrospectionEndpoint.Path).ToString(),
                ["introspection_endpoint_auth_methods_supported"] = AuthMethods,
                ["revocation_endpoint"] = jwks.On(issuer, server.Value.PublicHttpUrl, RevocationEndpoint.Path).ToString(),
                ["revocation_endpoint_auth_methods_supported"] = AuthMethods,
                // CIBA poll mode is how a request held for approval is collected (OpenID CIBA Core section 4).
                ["backchannel_token_delivery_modes_supported"] = PollMode,
                // RFC 9396 section 10.
                ["authorization_details_types_supported"] = AuthorizationDetailsTypes,
                ["access_token_signing_alg_values_supported"] = SigningAlgorithms,
                ["credbroker_grpc_services"] = GrpcServices,
            });
        });
        return endpoints;
    }
}
