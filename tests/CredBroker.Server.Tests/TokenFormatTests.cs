using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Google.Protobuf.WellKnownTypes;

namespace CredBroker.Server.Tests;

/// <summary>The access token is what DESIGN.md says, and verifies with nothing but the JWKS and standard JOSE rules.</summary>
public sealed class TokenFormatTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private async Task<Grant> GrantAsync(string taskId)
    {
        var response = await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = taskId, Purpose = "triage ticket 42", Tools = { "tickets.read", "tickets.write" }, Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(3)) },
            broker.As(TestPolicy.Support));
        return response.Grant;
    }

    [Test]
    public async Task Access_token_is_an_ES256_at_jwt_with_exactly_the_designed_claims()
    {
        var taskId = BrokerFixture.NewTaskId();
        var grant = await GrantAsync(taskId);
        var token = TokenParts.Parse(grant.AccessToken);

        Assert.That(token.Header.GetProperty("alg").GetString(), Is.EqualTo("ES256"));
        Assert.That(token.Header.GetProperty("typ").GetString(), Is.EqualTo("at+jwt"));
        Assert.That(token.Header.TryGetProperty("jku", out _) || token.Header.TryGetProperty("jwk", out _) || token.Header.TryGetProperty("x5u", out _), Is.False);

        var claims = token.Payload.EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.That(claims, Is.EqualTo(new[] { "aud", "client_id", "exp", "iat", "iss", "jti", "nbf", "owner", "purpose", "scope", "sub", "task_id" }));
        var p = token.Payload;
        Assert.Multiple(() =>
        {
            Assert.That(p.GetProperty("iss").GetString(), Is.EqualTo(BrokerFixture.Issuer));
            Assert.That(p.GetProperty("sub").GetString(), Is.EqualTo(TestPolicy.Support));
            Assert.That(p.GetProperty("client_id").GetString(), Is.EqualTo(TestPolicy.Support));
            Assert.That(p.GetProperty("aud").ValueKind, Is.EqualTo(JsonValueKind.String), "one audience, not an array");
            Assert.That(p.GetProperty("aud").GetString(), Is.EqualTo("https://tickets.test"));
            Assert.That(p.GetProperty("jti").GetString(), Is.EqualTo(grant.GrantId));
            Assert.That(p.GetProperty("scope").GetString(), Is.EqualTo("tickets.read tickets.write"));
            Assert.That(p.GetProperty("task_id").GetString(), Is.EqualTo(taskId));
            Assert.That(p.GetProperty("purpose").GetString(), Is.EqualTo("triage ticket 42"));
            Assert.That(p.GetProperty("owner").GetString(), Is.EqualTo("team-support"));
            Assert.That(p.GetProperty("nbf").GetInt64(), Is.EqualTo(p.GetProperty("iat").GetInt64()));
            Assert.That(p.GetProperty("exp").GetInt64() - p.GetProperty("iat").GetInt64(), Is.EqualTo(180));
            Assert.That(grant.IssuedAt.Seconds, Is.EqualTo(p.GetProperty("iat").GetInt64()));
            Assert.That(grant.ExpiresAt.Seconds, Is.EqualTo(p.GetProperty("exp").GetInt64()));
        });
    }

    [Test]
    public async Task Access_token_verifies_against_the_JWKS_by_plain_RFC_7515_and_7638_rules()
    {
        var grant = await GrantAsync(BrokerFixture.NewTaskId());
        var token = TokenParts.Parse(grant.AccessToken);
        var jwks = await broker.Http.GetFromJsonAsync<JsonElement>("/.well-known/jwks.json");

        var kid = token.Header.GetProperty("kid").GetString();
        var jwk = jwks.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kid").GetString() == kid);
        Assert.That(jwk.TryGetProperty("d", out _), Is.False, "the JWKS must never carry a private key");
        var x = jwk.GetProperty("x").GetString()!;
        var y = jwk.GetProperty("y").GetString()!;

        // RFC 7638: the kid is the SHA-256 thumbprint of the canonical public JWK.
        var canonical = $$"""{"crv":"{{jwk.GetProperty("crv").GetString()}}","kty":"{{jwk.GetProperty("kty").GetString()}}","x":"{{x}}","y":"{{y}}"}""";
        Assert.That(kid, Is.EqualTo(TokenParts.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))));

        // RFC 7518 section 3.4: ES256 is a raw 64-byte r||s signature over the ASCII signing input.
        using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = TokenParts.Decode(x), Y = TokenParts.Decode(y) } });
        Assert.That(token.Signature, Has.Length.EqualTo(64));
        Assert.That(key.VerifyData(Encoding.ASCII.GetBytes(token.SigningInput), token.Signature, HashAlgorithmName.SHA256), Is.True);

        var tampered = token.SigningInput.Replace(token.SigningInput.Split('.')[1], TokenParts.Encode(Encoding.UTF8.GetBytes(token.Payload.GetRawText().Replace("tickets.read", "tickets.admin", StringComparison.Ordinal))), StringComparison.Ordinal);
        Assert.That(key.VerifyData(Encoding.ASCII.GetBytes(tampered), token.Signature, HashAlgorithmName.SHA256), Is.False);
    }

    [Test]
    public async Task Authorization_server_metadata_names_the_issuer_and_JWKS()
    {
        var metadata = await broker.Http.GetFromJsonAsync<JsonElement>("/.well-known/oauth-authorization-server");
        Assert.That(metadata.GetProperty("issuer").GetString(), Is.EqualTo(BrokerFixture.Issuer));
        Assert.That(metadata.GetProperty("jwks_uri").GetString(), Is.EqualTo(BrokerFixture.Issuer + "/.well-known/jwks.json"));
        Assert.That(metadata.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()), Does.Contain("tickets.read"));
    }

    [Test]
    public async Task Health_is_served_over_HTTP_and_the_gRPC_health_service()
    {
        using var response = await broker.Http.GetAsync("/healthz");
        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        var health = new Grpc.Health.V1.Health.HealthClient(broker.Channel);
        var check = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        Assert.That(check.Status, Is.EqualTo(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving));
    }
}
