using System.Net.Http.Json;
using System.Text.Json;
using CredBroker.Protocol.V1;
using CredBroker.Server.Http;
using CredBroker.Testing.Broker;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace CredBroker.Server.Tests;

/// <summary>
/// An OAuth client with no CredBroker code in it (Duende.IdentityModel), pointed at the token endpoint the
/// broker's RFC 8414 metadata advertises.
/// </summary>
internal sealed class OAuthClient(BrokerFixture broker, Uri tokenEndpoint, HttpMessageHandler? handler = null) : IDisposable
{
    public HttpClient Http { get; } = handler is null ? new() : new(handler);

    public Uri TokenEndpoint => tokenEndpoint;

    /// <summary>A broker started with its HTTP/1.1 listener on a free loopback port, as the metadata names it.</summary>
    public static async Task<OAuthClient> ForAsync(BrokerFixture broker, HttpMessageHandler? handler = null)
    {
        var metadata = await broker.Http.GetFromJsonAsync<JsonElement>(WellKnownEndpoints.MetadataPath);
        return new OAuthClient(broker, new Uri(metadata.GetProperty("token_endpoint").GetString()!), handler);
    }

    /// <summary>The client_credentials grant, the client authenticated by <paramref name="workload"/>'s JWT-SVID as an RFC 7523 client assertion (or, with null, by its TLS certificate).</summary>
    public Task<TokenResponse> ClientCredentialsAsync(string? workload, string scope, string? resource, string details, string? clientId = null) =>
        ClientCredentialsWithAssertionAsync(workload is null ? null : broker.IdentityToken(workload), scope, resource, details, clientId);

    public async Task<TokenResponse> ClientCredentialsWithAssertionAsync(string? assertion, string scope, string? resource, string details, string? clientId = null)
    {
        var request = new ClientCredentialsTokenRequest
        {
            Address = tokenEndpoint.ToString(),
            ClientId = clientId ?? string.Empty,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Scope = scope,
            Parameters = { { "authorization_details", details } },
        };
        if (assertion is not null)
        {
            request.ClientAssertion = new ClientAssertion { Type = OidcConstants.ClientAssertionTypes.JwtBearer, Value = assertion };
        }

        if (resource is not null)
        {
            request.Resource.Add(resource);
        }

        return await Http.RequestClientCredentialsTokenAsync(request);
    }

    /// <summary>A CIBA poll (grant urn:openid:params:grant-type:ciba) for a held request, the client authenticated as <paramref name="workload"/>.</summary>
    public async Task<TokenResponse> PollAsync(string workload, string authRequestId) =>
        await Http.RequestBackchannelAuthenticationTokenAsync(new BackchannelAuthenticationTokenRequest
        {
            Address = tokenEndpoint.ToString(),
            ClientId = string.Empty,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            ClientAssertion = new ClientAssertion { Type = OidcConstants.ClientAssertionTypes.JwtBearer, Value = broker.IdentityToken(workload) },
            AuthenticationRequestId = authRequestId,
        });

    /// <summary>The audit events of one task, as JSON objects.</summary>
    public async Task<List<JsonElement>> AuditOfTaskAsync(string taskId)
    {
        using var call = broker.Admin.ReadAudit(new ReadAuditRequest { TaskId = taskId }, broker.As(TestPolicy.Operator));
        var events = new List<JsonElement>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            events.Add(JsonDocument.Parse(call.ResponseStream.Current.Json).RootElement.Clone());
        }

        return events;
    }

    public static IReadOnlyDictionary<string, string?> HttpListener => new Dictionary<string, string?> { ["CredBroker:HttpUrl"] = "http://127.0.0.1:0" };

    /// <summary>One RFC 9396 entry of type credbroker_task, as JSON.</summary>
    public static string Details(string taskId, string purpose = "answer the customer", IReadOnlyDictionary<string, string>? context = null) =>
        JsonSerializer.Serialize(new object[]
        {
            new Dictionary<string, object>
            {
                ["type"] = "credbroker_task",
                ["task_id"] = taskId,
                ["purpose"] = purpose,
                ["context"] = context ?? new Dictionary<string, string>(),
            },
        });

    /// <summary>The RFC 7523 jwt-bearer grant with <paramref name="workload"/>'s dev identity token as the assertion.</summary>
    public Task<TokenResponse> RequestAsync(string workload, string scope, string? resource, string details) =>
        RequestWithAssertionAsync(broker.IdentityToken(workload), scope, resource, details);

    public async Task<TokenResponse> RequestWithAssertionAsync(string assertion, string scope, string? resource, string details, string grantType = OidcConstants.GrantTypes.JwtBearer)
    {
        var parameters = new Parameters
        {
            { OidcConstants.TokenRequest.Assertion, assertion },
            { OidcConstants.TokenRequest.Scope, scope },
            { "authorization_details", details },
        };
        if (resource is not null)
        {
            parameters.Add(OidcConstants.TokenRequest.Resource, resource);
        }

        return await Http.RequestTokenAsync(new TokenRequest { Address = tokenEndpoint.ToString(), GrantType = grantType, Parameters = parameters });
    }

    /// <summary>A hand-built request, for what a well-behaved client library would never send.</summary>
    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(HttpContent content)
    {
        var response = await Http.PostAsync(tokenEndpoint, content);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return ((int)response.StatusCode, body, response);
    }

    /// <summary>How many events the audit log holds now.</summary>
    public async Task<int> AuditCountAsync()
    {
        using var call = broker.Admin.ReadAudit(new ReadAuditRequest(), broker.As(TestPolicy.Operator));
        var count = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            count++;
        }

        return count;
    }

    /// <summary>The RFC 6749 section 5.2 error code of any answer; the library reports a 401's reason phrase as its Error.</summary>
    public static string? Error(TokenResponse response) => response.Json?.TryGetProperty("error", out var e) == true ? e.GetString() : null;

    public static string? Description(TokenResponse response) => response.Json?.TryGetProperty("error_description", out var e) == true ? e.GetString() : null;

    public void Dispose() => Http.Dispose();
}
