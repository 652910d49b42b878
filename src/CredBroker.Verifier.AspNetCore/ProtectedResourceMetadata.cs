using CredBroker.Verifier;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier.AspNetCore;

/// <summary>
/// RFC 9728 protected-resource metadata: which resource this server is, which authorization server issues its
/// tokens, and which tools (scopes) it takes, so a client that got a 401 finds its way to a token on its own
/// (the MCP authorization spec's discovery).
/// </summary>
public static class ProtectedResourceMetadata
{
    /// <summary>RFC 9728 section 3: the well-known prefix; a resource with a path appends it.</summary>
    public const string Path = "/.well-known/oauth-protected-resource";

    private static readonly string[] BearerMethods = ["header"];

    /// <summary>
    /// Serves the metadata at <see cref="Path"/> and, when the resource has a path (<c>https://host/mcp</c>), at
    /// <see cref="Path"/> + that path as well (RFC 9728 section 3.1).
    /// </summary>
    public static IEndpointRouteBuilder MapCredBrokerProtectedResource(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = Options(endpoints.ServiceProvider);
        endpoints.MapGet(Path, Serve);
        if (ResourcePath(options.Resource) is { } path)
        {
            endpoints.MapGet(Path + path, Serve);
        }

        return endpoints;
    }

    /// <summary>The metadata URL a challenge names: the configured one, or this request's scheme and host.</summary>
    internal static string MetadataUri(HttpContext http, ResolvedOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        return options.MetadataUri?.ToString()
            ?? $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{Path}{ResourcePath(options.Resource)}";
    }

    /// <summary>The scheme's options with the verifier's defaults filled in.</summary>
    internal sealed record ResolvedOptions(string Resource, IReadOnlyList<string> AuthorizationServers, IReadOnlyList<string> Scopes, Uri? MetadataUri);

    internal static ResolvedOptions Options(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var scheme = services.GetRequiredService<IOptionsMonitor<CredBrokerTokenOptions>>().Get(CredBrokerTokenDefaults.AuthenticationScheme);
        var verifier = services.GetRequiredService<IOptions<CredBrokerVerifierOptions>>().Value;
        var resource = scheme.Resource ?? verifier.Audience ?? throw new InvalidOperationException("CredBroker:Verifier:Audience (or the scheme's Resource) is required for protected-resource metadata");
        var servers = scheme.AuthorizationServers.Count > 0 ? scheme.AuthorizationServers.ToArray() : verifier.Issuer is { } issuer ? [issuer] : [];
        return new ResolvedOptions(resource, servers, [.. scheme.Scopes], scheme.ResourceMetadataUri);
    }

    private static IResult Serve(HttpContext http, EndpointDataSource endpoints)
    {
        var options = Options(http.RequestServices);
        return Results.Json(new Dictionary<string, object>
        {
            ["resource"] = options.Resource,
            ["authorization_servers"] = options.AuthorizationServers,
            ["scopes_supported"] = options.Scopes.Concat(RequiredTools(endpoints)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            // RFC 6750 section 2.1 only: a token in a query string or form leaks into logs.
            ["bearer_methods_supported"] = BearerMethods,
        });
    }

    /// <summary>Every tool an endpoint's policy requires: the metadata lists what exists, found where it is declared.</summary>
    private static IEnumerable<string> RequiredTools(EndpointDataSource endpoints) =>
        endpoints.Endpoints
            .SelectMany(e => e.Metadata.OfType<AuthorizationPolicy>())
            .SelectMany(p => p.Requirements.OfType<CredBrokerToolRequirement>())
            .Select(r => r.Tool);

    private static string? ResourcePath(string resource) =>
        Uri.TryCreate(resource, UriKind.Absolute, out var uri) && uri.AbsolutePath.Length > 1 ? uri.AbsolutePath.TrimEnd('/') : null;
}
