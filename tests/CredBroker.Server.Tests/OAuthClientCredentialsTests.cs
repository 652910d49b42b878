using System.Net;
using System.Text.Json;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Duende.IdentityModel.Client;

namespace CredBroker.Server.Tests;

/// <summary>
/// <c>client_credentials</c> with a JWT-SVID <c>client_assertion</c> (RFC 7523 section 2.2), driven by an
/// off-the-shelf OAuth client: the same identity check and the same grant as gRPC, a bad client is 401
/// <c>invalid_client</c>, and both wires are named on the audit log.
/// </summary>
public sealed class OAuthClientCredentialsTests
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

    [TearDown]
    public void NoUnexpectedErrors() => Assert.That(broker.Logs.Errors, Is.Empty);

    [Test]
    public async Task A_client_assertion_gets_the_same_token_a_gRPC_grant_gets()
    {
        var taskId = BrokerFixture.NewTaskId();
        var response = await client.ClientCredentialsAsync(TestPolicy.Support, "tickets.read", Tickets, OAuthClient.Details(taskId));
        Assert.That(response.IsError, Is.False, response.Raw);

        var introspection = await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = response.AccessToken }, broker.As(TestPolicy.Tool));
        Assert.Multiple(() =>
        {
            Assert.That(response.TokenType, Is.EqualTo("Bearer"));
            Assert.That(response.Scope, Is.EqualTo("tickets.read"));
            Assert.That(introspection.Active, Is.True, introspection.Reason);
            Assert.That(introspection.Sub, Is.EqualTo(TestPolicy.Support));
            Assert.That(introspection.Aud, Is.EqualTo(Tickets));
            Assert.That(introspection.TaskId, Is.EqualTo(taskId));
            Assert.That(TokenParts.Parse(response.AccessToken!).Header.GetProperty("typ").GetString(), Is.EqualTo("at+jwt"));
        });
    }

    [Test]
    public async Task The_client_id_may_be_sent_when_it_is_the_authenticated_identity()
    {
        var response = await client.ClientCredentialsAsync(TestPolicy.Support, "tickets.read", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()), clientId: TestPolicy.Support);
        Assert.That(response.IsError, Is.False, response.Raw);
    }

    [Test]
    public async Task Grant_events_name_the_wire_the_request_came_through()
    {
        var taskId = BrokerFixture.NewTaskId();
        var http = await client.ClientCredentialsAsync(TestPolicy.Support, "tickets.read", Tickets, OAuthClient.Details(taskId));
        Assert.That(http.IsError, Is.False, http.Raw);
        await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "answer the customer", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support));
        var refused = await client.ClientCredentialsAsync(TestPolicy.Support, "tickets.admin", Tickets, OAuthClient.Details(taskId));
        Assert.That(refused.Error, Is.EqualTo("access_denied"));

        var events = await client.AuditOfTaskAsync(taskId);
        var wires = events.Select(e => (e.GetProperty("kind").GetString(), Wire(e))).ToList();
        Assert.That(wires, Is.EqualTo(new[] { ("grant.issued", "http"), ("grant.issued", "grpc"), ("grant.refused", "http") }));
    }

    [Test]
    public async Task No_client_authentication_is_401_invalid_client_with_a_challenge()
    {
        var before = await client.AuditCountAsync();
        var response = await client.ClientCredentialsAsync(null, "tickets.read", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.Multiple(async () =>
        {
            Assert.That(response.HttpStatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(OAuthClient.Error(response), Is.EqualTo("invalid_client"));
            Assert.That(OAuthClient.Description(response), Does.Contain("client_assertion").And.Contain("client certificate"));
            Assert.That(response.HttpResponse!.Headers.WwwAuthenticate.ToString(), Does.Contain("error=\"invalid_client\""));
            Assert.That(response.AccessToken, Is.Null);
            Assert.That(await client.AuditCountAsync(), Is.EqualTo(before));
        });
    }

    [Test]
    public async Task A_client_assertion_that_is_no_trusted_identity_token_is_invalid_client()
    {
        var response = await client.ClientCredentialsWithAssertionAsync("not.a.jwt", "tickets.read", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.Multiple(() =>
        {
            Assert.That(response.HttpStatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(OAuthClient.Error(response), Is.EqualTo("invalid_client"));
            Assert.That(OAuthClient.Description(response), Does.StartWith("client_assertion: "));
            Assert.That(response.HttpResponse!.Headers.WwwAuthenticate, Is.Not.Empty);
        });
    }

    [Test]
    public async Task A_client_id_that_is_not_the_asserted_identity_is_invalid_client()
    {
        var response = await client.ClientCredentialsAsync(TestPolicy.Support, "tickets.read", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()), clientId: TestPolicy.Coder);
        Assert.That(OAuthClient.Error(response), Is.EqualTo("invalid_client"));
        Assert.That(OAuthClient.Description(response), Does.Contain($"'{TestPolicy.Coder}' is not the authenticated identity {TestPolicy.Support}"));
    }

    [Test]
    public async Task A_client_secret_is_invalid_client()
    {
        var response = await client.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = client.TokenEndpoint.ToString(),
            ClientId = TestPolicy.Support,
            ClientSecret = "hunter2",
            Scope = "tickets.read",
            Parameters = { { "authorization_details", OAuthClient.Details(BrokerFixture.NewTaskId()) } },
        });
        Assert.That(response.HttpStatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(OAuthClient.Error(response), Is.EqualTo("invalid_client"));
        Assert.That(OAuthClient.Description(response), Does.Contain("client secrets"));
    }

    [Test]
    public async Task A_genuine_client_that_is_no_workload_is_unauthorized_client()
    {
        var response = await client.ClientCredentialsAsync(TestPolicy.Stranger, "tickets.read", Tickets, OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.That(response.Error, Is.EqualTo("unauthorized_client"));
        Assert.That(OAuthClient.Description(response), Does.Contain("lacks role agent"));
    }

    [Test]
    public async Task Tools_may_come_in_the_authorization_details_and_are_echoed()
    {
        var details = JsonSerializer.Serialize(new object[] { new { type = "credbroker_task", task_id = BrokerFixture.NewTaskId(), purpose = "p", tools = new[] { "tickets.read" } } });
        var response = await client.ClientCredentialsAsync(TestPolicy.Support, string.Empty, Tickets, details);
        Assert.That(response.IsError, Is.False, response.Raw);
        Assert.That(response.Scope, Is.EqualTo("tickets.read"));
        Assert.That(response.Json!.Value.GetProperty("authorization_details")[0].GetProperty("tools")[0].GetString(), Is.EqualTo("tickets.read"));

        var disagreeing = await client.ClientCredentialsAsync(TestPolicy.Support, "tickets.write", Tickets, details);
        Assert.That(disagreeing.Error, Is.EqualTo("invalid_authorization_details"));
        Assert.That(disagreeing.ErrorDescription, Does.Contain("differs from scope"));
    }

    private static string? Wire(JsonElement e) => e.GetProperty("evidence").TryGetProperty("wire", out var wire) ? wire.GetString() : null;
}
