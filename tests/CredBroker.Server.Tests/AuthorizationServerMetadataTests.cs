using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CredBroker.Server.Http;
using CredBroker.Testing.Broker;

namespace CredBroker.Server.Tests;

/// <summary>
/// RFC 8414 metadata is truthful: <c>jwks_uri</c> is the HTTP/1.1 listener that serves the JWKS (not the
/// cleartext gRPC port, where an HTTP/1.1 GET is refused), the token endpoint is on it too, and nothing is advertised that does not exist.
/// </summary>
public sealed class AuthorizationServerMetadataTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() =>
        broker = await BrokerFixture.StartAsync(settings: new Dictionary<string, string?> { ["CredBroker:HttpUrl"] = "http://127.0.0.1:0" });

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    [Test]
    public async Task The_advertised_jwks_uri_answers_a_plain_HTTP_1_1_GET_with_the_signing_keys()
    {
        var metadata = await broker.Http.GetFromJsonAsync<JsonElement>(WellKnownEndpoints.MetadataPath);
        var jwksUri = new Uri(metadata.GetProperty("jwks_uri").GetString()!);
        Assert.That(jwksUri.IsLoopback, Is.True, $"{jwksUri} is this broker's loopback listener");
        Assert.That(jwksUri.Port, Is.Not.EqualTo(broker.Address.Port), "not the h2c-only gRPC port");

        using var http = new HttpClient();
        using var response = await http.GetAsync(jwksUri);
        Assert.That(response.Version, Is.EqualTo(HttpVersion.Version11));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var published = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString());
        var signing = (await broker.Http.GetFromJsonAsync<JsonElement>(WellKnownEndpoints.JwksPath)).GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString());
        Assert.That(published, Is.EquivalentTo(signing));
    }

    [Test]
    public async Task Metadata_advertises_the_token_endpoint_and_its_grant_and_nothing_that_does_not_exist()
    {
        var metadata = await broker.Http.GetFromJsonAsync<JsonElement>(WellKnownEndpoints.MetadataPath);
        var names = metadata.EnumerateObject().Select(p => p.Name).ToList();

        // Token, introspection (RFC 7662) and revocation (RFC 7009) are the HTTP endpoints; there is no authorization endpoint.
        Assert.That(names.Where(n => n.EndsWith("_endpoint", StringComparison.Ordinal)), Is.EqualTo(new[] { "token_endpoint", "introspection_endpoint", "revocation_endpoint" }));
        foreach (var endpoint in new[] { "token_endpoint", "introspection_endpoint", "revocation_endpoint" })
        {
            using var http = new HttpClient();
            using var answer = await http.PostAsync(metadata.GetProperty(endpoint).GetString(), new FormUrlEncodedContent([]));
            Assert.That((int)answer.StatusCode, Is.AnyOf(400, 401), $"{endpoint} exists and answers an OAuth error");
        }
        Assert.That(metadata.GetProperty("grant_types_supported").EnumerateArray().Select(g => g.GetString()), Is.EqualTo(new[] { "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_credentials", "urn:openid:params:grant-type:ciba", "urn:ietf:params:oauth:grant-type:token-exchange" }));
        Assert.That(metadata.GetProperty("authorization_details_types_supported").EnumerateArray().Select(g => g.GetString()), Is.EqualTo(new[] { "credbroker_task" }));
        // A JWT-SVID client assertion (RFC 7523 section 2.2) or an X.509-SVID client certificate (RFC 8705); never a secret.
        Assert.That(metadata.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(m => m.GetString()), Is.EqualTo(new[] { "private_key_jwt", "tls_client_auth" }));
    }

    [Test]
    public async Task The_advertised_token_endpoint_answers_a_plain_HTTP_1_1_POST_with_an_OAuth_error()
    {
        var metadata = await broker.Http.GetFromJsonAsync<JsonElement>(WellKnownEndpoints.MetadataPath);
        var tokenEndpoint = new Uri(metadata.GetProperty("token_endpoint").GetString()!);
        Assert.That(tokenEndpoint.Port, Is.Not.EqualTo(broker.Address.Port), "not the h2c-only gRPC port");

        using var http = new HttpClient();
        using var response = await http.PostAsync(tokenEndpoint, new FormUrlEncodedContent([]));
        Assert.That(response.Version, Is.EqualTo(HttpVersion.Version11));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), Is.EqualTo("invalid_request"));
    }

    [TestCase("http://broker:5080", null, "http://0.0.0.0:5081", 5081, "http://broker:5081/")]
    [TestCase("http://127.0.0.1:5080", null, "http://127.0.0.1:0", 40123, "http://127.0.0.1:40123/")]
    [TestCase("http://127.0.0.1:5080", "https://keys.example.org/broker", "http://0.0.0.0:5081", 5081, "https://keys.example.org/broker/")]
    [TestCase("https://broker.example.org", null, null, null, "https://broker.example.org/")]
    public void The_JWKS_base_is_the_public_URL_then_the_HTTP_listener_then_the_issuer(string issuer, string? publicHttpUrl, string? listener, int? boundPort, string expected) =>
        Assert.That(JwksLocation.Base(issuer, publicHttpUrl, listener is null ? null : new Uri(listener), boundPort).ToString(), Is.EqualTo(expected));
}
