using System.Net;
using System.Text;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Duende.IdentityModel.Client;

namespace CredBroker.Server.Tests;

/// <summary>
/// <c>POST /oauth2/token</c> with the RFC 7523 jwt-bearer grant, driven by an off-the-shelf OAuth client: the
/// token is the same at+jwt a gRPC grant is, dies with its task, and every refusal is an RFC 6749 error.
/// </summary>
public sealed class OAuthTokenEndpointTests
{
    private const string Tickets = "https://tickets.test";

    private BrokerFixture broker = null!;
    private OAuthClient client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync(settings: OAuthClient.HttpListener);
        client = await OAuthClient.ForAsync(broker);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        client.Dispose();
        await broker.DisposeAsync();
    }

    private async Task<IntrospectResponse> IntrospectAsync(string token) =>
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As(TestPolicy.Tool));

    [Test]
    public void The_metadata_token_endpoint_is_the_HTTP_1_1_listener()
    {
        Assert.That(client.TokenEndpoint.IsLoopback, Is.True);
        Assert.That(client.TokenEndpoint.Port, Is.Not.EqualTo(broker.Address.Port), "not the h2c-only gRPC port");
        Assert.That(client.TokenEndpoint.AbsolutePath, Is.EqualTo("/oauth2/token"));
    }

    [Test]
    public async Task A_jwt_bearer_grant_answers_RFC_6749_5_1_with_a_token_that_introspects_like_a_gRPC_grant()
    {
        var taskId = BrokerFixture.NewTaskId();
        var context = new Dictionary<string, string> { ["environment"] = "staging" };
        var response = await client.RequestAsync(TestPolicy.Support, "tickets.read tickets.write", Tickets, OAuthClient.Details(taskId, "triage ticket 42", context));
        Assert.That(response.IsError, Is.False, response.Raw);

        var viaGrpc = (await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = taskId, Purpose = "triage ticket 42", Tools = { "tickets.read", "tickets.write" }, Context = { context } },
            broker.As(TestPolicy.Support))).Grant;
        var http = await IntrospectAsync(response.AccessToken!);
        var grpc = await IntrospectAsync(viaGrpc.AccessToken);
        var details = response.Json!.Value.GetProperty("authorization_details")[0];
        Assert.Multiple(() =>
        {
            Assert.That(response.HttpResponse!.Version, Is.EqualTo(HttpVersion.Version11));
            Assert.That(response.TokenType, Is.EqualTo("Bearer"));
            Assert.That(response.ExpiresIn, Is.EqualTo(120), "the policy's default TTL, as for gRPC");
            Assert.That(response.Scope, Is.EqualTo("tickets.read tickets.write"));
            Assert.That(response.HttpResponse!.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(response.HttpResponse!.Headers.Pragma.ToString(), Is.EqualTo("no-cache"));
            Assert.That(details.GetProperty("type").GetString(), Is.EqualTo("credbroker_task"));
            Assert.That(details.GetProperty("task_id").GetString(), Is.EqualTo(taskId));
            Assert.That(details.GetProperty("purpose").GetString(), Is.EqualTo("triage ticket 42"));
            Assert.That(details.GetProperty("context").GetProperty("environment").GetString(), Is.EqualTo("staging"));

            Assert.That(http.Active, Is.True, http.Reason);
            Assert.That(http.Jti, Is.Not.EqualTo(grpc.Jti));
            // Everything but the grant's own id and times is what the gRPC grant carries.
            Assert.That(SameGrant(http, grpc), Is.EqualTo(grpc));
        });

        var claims = TokenParts.Parse(response.AccessToken!).Payload.EnumerateObject().Select(p => p.Name).Order();
        var grpcClaims = TokenParts.Parse(viaGrpc.AccessToken).Payload.EnumerateObject().Select(p => p.Name).Order();
        Assert.That(claims, Is.EqualTo(grpcClaims));
    }

    [Test]
    public async Task RevokeTask_kills_the_HTTP_issued_token_and_the_next_request_is_invalid_grant()
    {
        var taskId = BrokerFixture.NewTaskId();
        var issued = await client.RequestAsync(TestPolicy.Support, "tickets.read", Tickets, OAuthClient.Details(taskId));
        Assert.That(issued.IsError, Is.False, issued.Raw);

        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId, Reason = "done" }, broker.As(TestPolicy.Orchestrator));
        var introspection = await IntrospectAsync(issued.AccessToken!);
        var again = await client.RequestAsync(TestPolicy.Support, "tickets.read", Tickets, OAuthClient.Details(taskId));
        Assert.Multiple(() =>
        {
            Assert.That(introspection.Active, Is.False);
            Assert.That(again.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(again.Error, Is.EqualTo("invalid_grant"));
            Assert.That(again.ErrorDescription, Does.StartWith($"task {taskId} was revoked at "));
            Assert.That(again.AccessToken, Is.Null);
        });
    }

    private static IEnumerable<TestCaseData> MalformedRequests()
    {
        static FormUrlEncodedContent Form(params (string Key, string Value)[] pairs) => new(pairs.Select(p => KeyValuePair.Create(p.Key, p.Value)));
        const string Grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
        var details = OAuthClient.Details("t-malformed");
        yield return new TestCaseData(Form(("assertion", "x"), ("scope", "tickets.read"), ("authorization_details", details)), "grant_type: required").SetName("No grant_type is invalid_request");
        yield return new TestCaseData(Form(("grant_type", Grant), ("scope", "tickets.read"), ("authorization_details", details)), "assertion: required").SetName("No assertion is invalid_request");
        yield return new TestCaseData(Form(("grant_type", Grant), ("assertion", "x"), ("scope", "tickets.read")), "authorization_details: required").SetName("No authorization_details is invalid_request");
        yield return new TestCaseData(Form(("grant_type", Grant), ("assertion", "x"), ("scope", "tickets.read"), ("scope", "tickets.write"), ("authorization_details", details)), "scope: given 2 times").SetName("A repeated parameter is invalid_request");
        yield return new TestCaseData(new StringContent("{\"grant_type\":\"" + Grant + "\"}", Encoding.UTF8, "application/json"), "the body must be application/x-www-form-urlencoded").SetName("A JSON body is invalid_request");
        yield return new TestCaseData(Form(("grant_type", Grant), ("assertion", new string('a', 1024 * 1024)), ("authorization_details", details)), "larger than 64 KiB").SetName("A 1 MB assertion is invalid_request");
        var chunked = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("grant_type=" + Uri.EscapeDataString(Grant) + "&assertion=" + new string('a', 1024 * 1024))));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        yield return new TestCaseData(chunked, "larger than 64 KiB").SetName("A 1 MB chunked body is invalid_request");
    }

    [TestCaseSource(nameof(MalformedRequests))]
    public async Task Malformed_requests_are_invalid_request_and_write_nothing(HttpContent content, string description)
    {
        var before = await client.AuditCountAsync();
        broker.Logs.Clear();
        var (status, body, response) = await client.PostAsync(content);
        Assert.Multiple(async () =>
        {
            Assert.That(status, Is.EqualTo(400));
            Assert.That(body.GetProperty("error").GetString(), Is.EqualTo("invalid_request"));
            Assert.That(body.GetProperty("error_description").GetString(), Does.Contain(description));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(await client.AuditCountAsync(), Is.EqualTo(before), "nothing on the audit log");
            Assert.That(broker.Logs.Entries.Select(e => e.Message), Has.None.Contains("bad assertion"), "the assertion was never checked");
        });
    }

    [Test]
    public async Task A_library_request_without_authorization_details_is_invalid_request_showing_the_entry_to_send()
    {
        var response = await client.Http.RequestTokenAsync(new TokenRequest
        {
            Address = client.TokenEndpoint.ToString(),
            GrantType = Duende.IdentityModel.OidcConstants.GrantTypes.JwtBearer,
            Parameters = { { "assertion", broker.IdentityToken(TestPolicy.Support) }, { "scope", "tickets.read" } },
        });
        Assert.That(response.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Error, Is.EqualTo("invalid_request"));
        Assert.That(response.ErrorDescription, Does.StartWith("authorization_details: required, e.g. [{\"type\":\"credbroker_task\""));
    }

    [Test]
    public async Task A_library_request_for_two_resources_is_invalid_request_and_writes_nothing()
    {
        // RFC 8707 lets a client name several resources; a CredBroker token has exactly one audience.
        var before = await client.AuditCountAsync();
        var request = new ClientCredentialsTokenRequest
        {
            Address = client.TokenEndpoint.ToString(),
            ClientId = string.Empty,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            ClientAssertion = new ClientAssertion { Type = Duende.IdentityModel.OidcConstants.ClientAssertionTypes.JwtBearer, Value = broker.IdentityToken(TestPolicy.Support) },
            Scope = "tickets.read",
            Resource = { Tickets, "https://git.test" },
            Parameters = { { "authorization_details", OAuthClient.Details(BrokerFixture.NewTaskId()) } },
        };
        var response = await client.Http.RequestClientCredentialsTokenAsync(request);
        Assert.That(response.Error, Is.EqualTo("invalid_request"));
        Assert.That(response.ErrorDescription, Is.EqualTo("resource: given 2 times; send each parameter once"));
        Assert.That(await client.AuditCountAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task An_assertion_that_is_not_a_trusted_identity_token_is_invalid_grant()
    {
        var response = await client.RequestWithAssertionAsync("not.a.jwt", "tickets.read", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.That(response.Error, Is.EqualTo("invalid_grant"));
        Assert.That(response.ErrorDescription, Does.StartWith("assertion: "));
    }

    [TestCase("password", "'password' is not supported")]
    public async Task Other_grant_types_are_unsupported_grant_type_and_write_nothing(string grantType, string description)
    {
        var before = await client.AuditCountAsync();
        var response = await client.RequestWithAssertionAsync(broker.IdentityToken(TestPolicy.Support), "tickets.read", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()), grantType);
        Assert.That(response.Error, Is.EqualTo("unsupported_grant_type"));
        Assert.That(response.ErrorDescription, Does.Contain(description));
        Assert.That(await client.AuditCountAsync(), Is.EqualTo(before), "nothing on the audit log");
    }

    [Test]
    public async Task An_unknown_tool_is_invalid_scope_naming_it()
    {
        var response = await client.RequestAsync(TestPolicy.Support, "tickets.read tickets.nope", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.That(response.Error, Is.EqualTo("invalid_scope"));
        Assert.That(response.ErrorDescription, Is.EqualTo("scope[1]: unknown tool 'tickets.nope'"));
    }

    [TestCase("https://nowhere.test", "tickets.read", "'https://nowhere.test' is not the audience of any tool")]
    [TestCase(Tickets, "repo.read", "tool 'repo.read' is served by https://git.test, not https://tickets.test")]
    public async Task A_resource_the_tools_do_not_live_on_is_invalid_target_and_writes_nothing(string resource, string scope, string description)
    {
        var before = await client.AuditCountAsync();
        var response = await client.RequestAsync(TestPolicy.Coder, scope, resource, OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.That(response.Error, Is.EqualTo("invalid_target"));
        Assert.That(response.ErrorDescription, Does.Contain(description));
        Assert.That(await client.AuditCountAsync(), Is.EqualTo(before));
    }

    [TestCase("[{\"type\":\"payment_initiation\"}]", "authorization_details[0].type: must be \"credbroker_task\"")]
    [TestCase("[{\"type\":\"credbroker_task\",\"task_id\":\"t-1\",\"purpose\":\"p\",\"locations\":[]}]", "authorization_details[0].locations: not a member")]
    [TestCase("{\"type\":\"credbroker_task\"}", "must be a JSON array")]
    [TestCase("[{\"type\":\"credbroker_task\",\"purpose\":\"p\"}]", "authorization_details[0].task_id: ")]
    [TestCase("[{\"type\":\"credbroker_task\",\"task_id\":\"t-1\",\"purpose\":\"p\",\"context\":{\"n\":1}}]", "authorization_details[0].context.n: must be a string")]
    [TestCase("not json", "is not JSON")]
    public async Task Malformed_authorization_details_are_invalid_authorization_details(string details, string description)
    {
        var response = await client.RequestAsync(TestPolicy.Support, "tickets.read", Tickets, details);
        Assert.That(response.Error, Is.EqualTo("invalid_authorization_details"));
        Assert.That(response.ErrorDescription, Does.Contain(description));
    }

    [Test]
    public async Task A_tool_policy_does_not_give_the_workload_is_access_denied_naming_the_rule()
    {
        var response = await client.RequestAsync(TestPolicy.Support, "tickets.admin", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.That(response.Error, Is.EqualTo("access_denied"));
        Assert.That(response.ErrorDescription, Does.Contain("support-agent").And.Contain("tickets.admin"));
        Assert.That(response.AccessToken, Is.Null);
    }

    [Test]
    public async Task A_genuine_identity_that_is_no_workload_in_policy_is_unauthorized_client()
    {
        var response = await client.RequestAsync(TestPolicy.Stranger, "tickets.read", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.That(response.Error, Is.EqualTo("unauthorized_client"));
        Assert.That(response.ErrorDescription, Does.Contain(TestPolicy.Stranger).And.Contain("lacks role agent"));
    }

    private static IntrospectResponse SameGrant(IntrospectResponse http, IntrospectResponse grpc)
    {
        var copy = http.Clone();
        copy.Jti = grpc.Jti;
        copy.Iat = grpc.Iat;
        copy.Nbf = grpc.Nbf;
        copy.Exp = grpc.Exp;
        return copy;
    }
}
