using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace McpAgent;

/// <summary>
/// The MCP authorization spec's client side, with workload identity instead of a browser: on a 401 it reads the
/// RFC 9728 protected-resource metadata the challenge names, then the authorization server's RFC 8414 metadata,
/// and asks its token endpoint for a token with the RFC 7523 jwt-bearer grant (the JWT-SVID as assertion) and
/// RFC 8707 <c>resource</c>; then it sends the request again with the token.
/// </summary>
public sealed partial class OAuthDiscoveryHandler(AgentSettings settings, TextWriter log) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly HttpClient discovery = new();

    public string? AccessToken { get; private set; }

    /// <summary>The last refusal's status and challenge, as the server sent them.</summary>
    public (HttpStatusCode Status, string Challenge)? LastRefusal { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            // Sent again after the token arrives.
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        var response = await SendWithTokenAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized && AccessToken is null && ResourceMetadata(response) is { } metadata)
        {
            await log.WriteLineAsync($"401 from {request.RequestUri}; resource metadata {metadata}");
            AccessToken = await ObtainTokenAsync(metadata, cancellationToken);
            response.Dispose();
            response = await SendWithTokenAsync(request, cancellationToken);
        }

        LastRefusal = response.IsSuccessStatusCode ? null : (response.StatusCode, response.Headers.WwwAuthenticate.ToString());
        return response;
    }

    private Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = AccessToken is null ? null : new("Bearer", AccessToken);
        return base.SendAsync(request, cancellationToken);
    }

    private async Task<string> ObtainTokenAsync(Uri metadataUri, CancellationToken cancellationToken)
    {
        var resource = await discovery.GetFromJsonAsync<JsonElement>(metadataUri, cancellationToken);
        var resourceId = resource.GetProperty("resource").GetString()!;
        var server = resource.GetProperty("authorization_servers")[0].GetString()!;
        var asMetadata = await discovery.GetFromJsonAsync<JsonElement>(new Uri(new Uri(server.TrimEnd('/') + "/"), ".well-known/oauth-authorization-server"), cancellationToken);
        var tokenEndpoint = asMetadata.GetProperty("token_endpoint").GetString()!;
        await log.WriteLineAsync($"resource {resourceId}; authorization server {server}; token endpoint {tokenEndpoint}");

        var details = JsonSerializer.Serialize(new object[] { new Dictionary<string, object> { ["type"] = "credbroker_task", ["task_id"] = settings.TaskId, ["purpose"] = settings.Purpose } });
        var token = await discovery.RequestTokenAsync(new TokenRequest
        {
            Address = tokenEndpoint,
            GrantType = OidcConstants.GrantTypes.JwtBearer,
            Parameters =
            {
                { OidcConstants.TokenRequest.Assertion, settings.IdentityToken },
                { OidcConstants.TokenRequest.Scope, settings.Scope },
                { OidcConstants.TokenRequest.Resource, resourceId },
                { "authorization_details", details },
            },
        }, cancellationToken);
        if (token.IsError)
        {
            throw new InvalidOperationException($"token endpoint refused: {token.Error}: {token.ErrorDescription}");
        }

        await log.WriteLineAsync($"token for {resourceId} with scope '{token.Scope}', expires in {token.ExpiresIn}s");
        return token.AccessToken!;
    }

    /// <summary>RFC 9728 section 5.1: <c>resource_metadata</c> in the Bearer challenge.</summary>
    private static Uri? ResourceMetadata(HttpResponseMessage response) =>
        response.Headers.WwwAuthenticate.Select(h => MetadataParameter().Match(h.Parameter ?? string.Empty)).FirstOrDefault(m => m.Success) is { } match
            ? new Uri(match.Groups["uri"].Value)
            : null;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            discovery.Dispose();
        }

        base.Dispose(disposing);
    }

    [GeneratedRegex("resource_metadata=\"(?<uri>[^\"]+)\"")]
    private static partial Regex MetadataParameter();
}
