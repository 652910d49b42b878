using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CredBroker.Protocol.V1;
using CredBroker.Server.Http;
using CredBroker.Testing.Broker;

namespace CredBroker.Server.Tests;

/// <summary>
/// <c>POST /oauth2/introspect</c> (RFC 7662) and <c>POST /oauth2/revoke</c> (RFC 7009), driven by plain
/// <see cref="HttpClient"/> form posts: the same answers as gRPC's Introspect, ReleaseGrant and RevokeGrant.
/// </summary>
public sealed class OAuthIntrospectionRevocationTests
{
    private const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private BrokerFixture broker = null!;
    private HttpClient http = null!;
    private Uri introspection = null!;
    private Uri revocation = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync(settings: OAuthClient.HttpListener);
        http = new HttpClient();
        var metadata = await broker.Http.GetFromJsonAsync<JsonElement>(WellKnownEndpoints.MetadataPath);
        introspection = new Uri(metadata.GetProperty("introspection_endpoint").GetString()!);
        revocation = new Uri(metadata.GetProperty("revocation_endpoint").GetString()!);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        http.Dispose();
        await broker.DisposeAsync();
    }

    [TearDown]
    public void NoUnexpectedErrors() => Assert.That(broker.Logs.Errors, Is.Empty);

    private async Task<Grant> GrantAsync(string workload = TestPolicy.Support, string tool = "tickets.read") =>
        (await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { tool } }, broker.As(workload))).Grant;

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(Uri endpoint, string? caller, params (string Key, string Value)[] parameters)
    {
        var form = parameters.ToList();
        if (caller is not null)
        {
            form.Add(("client_assertion_type", AssertionType));
            form.Add(("client_assertion", broker.IdentityToken(caller)));
        }

        var response = await http.PostAsync(endpoint, new FormUrlEncodedContent(form.Select(p => KeyValuePair.Create(p.Key, p.Value))));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> IntrospectAsync(string token, string? caller = TestPolicy.Tool) =>
        PostAsync(introspection, caller, ("token", token));

    private Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> RevokeAsync(string token, string caller) =>
        PostAsync(revocation, caller, ("token", token), ("token_type_hint", "access_token"));

    [Test]
    public async Task A_live_token_introspects_active_with_the_claims_gRPC_gives()
    {
        var grant = await GrantAsync();
        var (status, body, response) = await IntrospectAsync(grant.AccessToken);
        var grpc = await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = grant.AccessToken }, broker.As(TestPolicy.Tool));
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That(body.GetProperty("active").GetBoolean(), Is.True);
            Assert.That(body.GetProperty("sub").GetString(), Is.EqualTo(grpc.Sub));
            Assert.That(body.GetProperty("client_id").GetString(), Is.EqualTo(grpc.ClientId));
            Assert.That(body.GetProperty("aud").GetString(), Is.EqualTo(grpc.Aud));
            Assert.That(body.GetProperty("iss").GetString(), Is.EqualTo(grpc.Iss));
            Assert.That(body.GetProperty("scope").GetString(), Is.EqualTo(grpc.Scope));
            Assert.That(body.GetProperty("jti").GetString(), Is.EqualTo(grpc.Jti));
            Assert.That(body.GetProperty("exp").GetInt64(), Is.EqualTo(grpc.Exp.Seconds));
            Assert.That(body.GetProperty("task_id").GetString(), Is.EqualTo(grpc.TaskId));
        });
    }

    [Test]
    public async Task A_token_of_an_audience_the_caller_does_not_serve_is_only_inactive()
    {
        var grant = await GrantAsync();
        // A tool identity that policy lists for no audience.
        var (status, body, _) = await IntrospectAsync(grant.AccessToken, caller: "spiffe://test.local/tools/elsewhere");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "active" }), "RFC 7662 section 2.2: nothing but active=false");
        Assert.That(body.GetProperty("active").GetBoolean(), Is.False);
    }

    [Test]
    public async Task A_token_that_is_not_ours_introspects_inactive()
    {
        var (status, body, _) = await IntrospectAsync("not.a.token");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("active").GetBoolean(), Is.False);
    }

    [Test]
    public async Task Introspection_needs_a_tool_identity()
    {
        var grant = await GrantAsync();
        var (anonymous, anonymousBody, challenge) = await IntrospectAsync(grant.AccessToken, caller: null);
        var (agent, agentBody, _) = await IntrospectAsync(grant.AccessToken, caller: TestPolicy.Support);
        Assert.Multiple(() =>
        {
            Assert.That(anonymous, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(anonymousBody.GetProperty("error").GetString(), Is.EqualTo("invalid_client"));
            Assert.That(challenge.Headers.WwwAuthenticate, Is.Not.Empty);
            Assert.That(agent, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(agentBody.GetProperty("error").GetString(), Is.EqualTo("unauthorized_client"));
            Assert.That(agentBody.GetProperty("error_description").GetString(), Does.Contain("lacks role tool"));
        });
    }

    [Test]
    public async Task Introspection_without_a_token_is_invalid_request()
    {
        var (status, body, _) = await PostAsync(introspection, TestPolicy.Tool);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body.GetProperty("error").GetString(), Is.EqualTo("invalid_request"));
        Assert.That(body.GetProperty("error_description").GetString(), Does.StartWith("token: required"));
    }

    [Test]
    public async Task A_workload_revokes_its_own_token_and_it_introspects_inactive()
    {
        var grant = await GrantAsync();
        var (status, _, response) = await RevokeAsync(grant.AccessToken, TestPolicy.Support);
        var (_, after, _) = await IntrospectAsync(grant.AccessToken);
        var (again, _, _) = await RevokeAsync(grant.AccessToken, TestPolicy.Support);
        var events = await new OAuthClient(broker, revocation).AuditOfTaskAsync(grant.TaskId);
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(after.GetProperty("active").GetBoolean(), Is.False);
            Assert.That(again, Is.EqualTo(HttpStatusCode.OK), "revoking a dead token is fine (RFC 7009 section 2.2)");
            Assert.That(events.Select(e => e.GetProperty("kind").GetString()), Does.Contain("grant.released"));
        });
    }

    [Test]
    public async Task A_workload_cannot_revoke_another_workloads_token()
    {
        var grant = await GrantAsync();
        var (status, body, _) = await RevokeAsync(grant.AccessToken, TestPolicy.OtherCoder);
        var (_, after, _) = await IntrospectAsync(grant.AccessToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body.GetProperty("error").GetString(), Is.EqualTo("unauthorized_client"));
        Assert.That(after.GetProperty("active").GetBoolean(), Is.True);
    }

    [Test]
    public async Task An_operator_revokes_any_token()
    {
        var grant = await GrantAsync();
        var (status, _, _) = await RevokeAsync(grant.AccessToken, TestPolicy.Operator);
        var (_, after, _) = await IntrospectAsync(grant.AccessToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(after.GetProperty("active").GetBoolean(), Is.False);
    }

    [Test]
    public async Task An_unknown_token_revokes_with_200_and_writes_nothing()
    {
        var before = await new OAuthClient(broker, revocation).AuditCountAsync();
        var (status, _, _) = await RevokeAsync("not.a.token", TestPolicy.Support);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await new OAuthClient(broker, revocation).AuditCountAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Revocation_needs_client_authentication()
    {
        var grant = await GrantAsync();
        var (status, body, _) = await PostAsync(revocation, null, ("token", grant.AccessToken));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(body.GetProperty("error").GetString(), Is.EqualTo("invalid_client"));
    }
}
