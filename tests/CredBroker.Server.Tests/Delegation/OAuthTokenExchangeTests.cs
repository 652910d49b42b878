using System.Text.Json;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Duende.IdentityModel.Client;
using static CredBroker.Testing.Broker.DelegationPolicy;

namespace CredBroker.Server.Tests.Delegation;

/// <summary>
/// The RFC 8693 token exchange at <c>POST /oauth2/token</c>, driven by a standard OAuth client library: the same
/// delegation as <c>ExchangeGrant</c> (one decision path), with RFC 8693's parameters, answer and errors.
/// </summary>
[NonParallelizable]
public sealed class OAuthTokenExchangeTests
{
    private const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
    private const string JwtType = "urn:ietf:params:oauth:token-type:jwt";

    private BrokerFixture broker = null!;
    private OAuthClient client = null!;

    [SetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync(policy: Yaml, settings: OAuthClient.HttpListener);
        client = await OAuthClient.ForAsync(broker);
    }

    [TearDown]
    public async Task Stop()
    {
        client.Dispose();
        await broker.DisposeAsync();
    }

    private Task<TokenResponse> ExchangeAsync(string subjectToken, string actor, string scope = "crm.read", Action<TokenExchangeTokenRequest>? change = null)
    {
        var request = new TokenExchangeTokenRequest
        {
            Address = client.TokenEndpoint.ToString(),
            ClientId = string.Empty,
            SubjectToken = subjectToken,
            SubjectTokenType = AccessTokenType,
            ActorToken = broker.IdentityToken(actor),
            ActorTokenType = JwtType,
            Scope = scope,
        };
        change?.Invoke(request);
        if (!request.Parameters.ContainsKey("authorization_details"))
        {
            // The purpose travels as it does for every grant: a credbroker_task entry of RFC 9396 authorization_details.
            request.Parameters.Add("authorization_details", Purpose("read the account"));
        }

        return client.Http.RequestTokenExchangeTokenAsync(request);
    }

    private static string Purpose(string purpose, Dictionary<string, string>? context = null)
    {
        var entry = new Dictionary<string, object> { ["type"] = "credbroker_task", ["purpose"] = purpose };
        if (context is not null)
        {
            entry["context"] = context;
        }

        return JsonSerializer.Serialize(new object[] { entry });
    }

    private async Task<bool> ActiveAsync(string token) =>
        (await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As(TestPolicy.Tool))).Active;

    [Test]
    public async Task B_and_then_C_exchange_over_HTTP_get_the_nested_actor_chain_and_die_with_the_root()
    {
        var root = await broker.RootAsync();

        var b = await ExchangeAsync(root.AccessToken, B, change: r => r.Resource = root.Audience);
        Assert.That(b.IsError, Is.False, b.Raw);
        Assert.Multiple(() =>
        {
            Assert.That(b.TokenType, Is.EqualTo("Bearer"));
            Assert.That(b.IssuedTokenType, Is.EqualTo(AccessTokenType), "RFC 8693 section 2.2.1");
            Assert.That(b.Scope, Is.EqualTo("crm.read"));
            Assert.That(b.ExpiresIn, Is.GreaterThan(0));
        });

        var c = await ExchangeAsync(b.AccessToken!, C);
        Assert.That(c.IsError, Is.False, c.Raw);
        var claims = TokenParts.Parse(c.AccessToken!).Payload;
        Assert.That(claims.GetProperty("sub").GetString(), Is.EqualTo(A));
        Assert.That(claims.GetProperty("act").GetProperty("sub").GetString(), Is.EqualTo(C));
        Assert.That(claims.GetProperty("act").GetProperty("act").GetProperty("sub").GetString(), Is.EqualTo(B));
        Assert.That(claims.GetProperty("task_id").GetString(), Is.EqualTo(root.TaskId));
        Assert.That(TokenParts.Parse(c.AccessToken!).Header.GetProperty("typ").GetString(), Is.EqualTo("at+jwt"));
        Assert.That(await ActiveAsync(c.AccessToken!), Is.True);

        var audit = await client.AuditOfTaskAsync(root.TaskId);
        var exchanged = audit.Where(e => e.GetProperty("kind").GetString() == "grant.exchanged").ToList();
        Assert.That(exchanged.Select(e => e.GetProperty("evidence").GetProperty("wire").GetString()), Is.EqualTo(new[] { "http", "http" }));

        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = root.GrantId, Reason = "done" }, broker.As(TestPolicy.Operator));
        Assert.That(await ActiveAsync(b.AccessToken!), Is.False, "B's token dies with A's grant");
        Assert.That(await ActiveAsync(c.AccessToken!), Is.False, "and so does C's");
    }

    [Test]
    public async Task A_tool_beyond_the_parents_scope_is_invalid_scope_naming_it_and_no_grant_is_stored()
    {
        var root = await broker.RootAsync();

        var response = await ExchangeAsync(root.AccessToken, B, "crm.delete");

        Assert.That(response.Error, Is.EqualTo("invalid_scope"));
        Assert.That(response.ErrorDescription, Does.Contain("'crm.delete'").And.Contain("parent grant's scope"));
        var live = await broker.Admin.ListGrantsAsync(new ListGrantsRequest { TaskId = root.TaskId }, broker.As(TestPolicy.Operator));
        Assert.That(live.Grants, Has.Count.EqualTo(1), "only the root grant");
    }

    [Test]
    public async Task An_actor_the_parent_may_not_delegate_to_and_a_dead_parent_are_invalid_request()
    {
        var root = await broker.RootAsync();

        var stranger = await ExchangeAsync(root.AccessToken, Loner);
        Assert.That(stranger.Error, Is.EqualTo("invalid_request"), "RFC 8693 section 2.2.2: unacceptable by policy");
        Assert.That(stranger.ErrorDescription, Does.Contain("delegates"));

        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = root.GrantId, Reason = "done" }, broker.As(TestPolicy.Operator));
        var dead = await ExchangeAsync(root.AccessToken, B);
        Assert.That(dead.Error, Is.EqualTo("invalid_request"));
        Assert.That(dead.ErrorDescription, Does.StartWith("subject_token: "));
    }

    [TestCase("subject_token_type", "subject_token_type: must be urn:ietf:params:oauth:token-type:access_token")]
    [TestCase("actor_token_type", "actor_token_type: must be urn:ietf:params:oauth:token-type:jwt")]
    [TestCase("actor_token", "actor_token: ")]
    [TestCase("audience", "audience: not supported")]
    [TestCase("context", "authorization_details[0].context: a delegated grant takes no context")]
    public async Task A_malformed_exchange_is_refused_naming_the_parameter_and_writes_nothing(string parameter, string description)
    {
        var root = await broker.RootAsync();
        var before = await client.AuditCountAsync();

        var response = await ExchangeAsync(root.AccessToken, B, change: r =>
        {
            switch (parameter)
            {
                case "subject_token_type":
                    r.SubjectTokenType = JwtType;
                    break;
                case "actor_token_type":
                    r.ActorTokenType = AccessTokenType;
                    break;
                case "actor_token":
                    r.ActorToken = "not.a.jwt";
                    break;
                case "audience":
                    r.Audience = "tickets";
                    break;
                default:
                    r.Parameters.Add("authorization_details", Purpose("read", new Dictionary<string, string> { ["ticket"] = "42" }));
                    break;
            }
        });

        Assert.That(response.HttpStatusCode, Is.EqualTo(System.Net.HttpStatusCode.BadRequest));
        Assert.That(response.ErrorDescription, Does.StartWith(description));
        Assert.That(response.Error, Is.EqualTo(parameter == "context" ? "invalid_authorization_details" : "invalid_request"));
        Assert.That(await client.AuditCountAsync(), Is.EqualTo(before), "nothing on the audit log");
    }
}
