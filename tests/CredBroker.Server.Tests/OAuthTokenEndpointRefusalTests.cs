using System.Net;
using CredBroker.Core.Approvals;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace CredBroker.Server.Tests;

/// <summary>
/// The token endpoint's answers to the broker's standing refusals, each on a broker of its own: the kill
/// switch, a rate limit, a store that is down, and a request that policy holds for a person. None gives a token.
/// </summary>
public sealed class OAuthTokenEndpointRefusalTests
{
    private const string Throttled = "spiffe://test.local/agents/throttled";

    private const string RatePolicy = """
        version: 1
        tools:
          - { name: tickets.read, audience: https://tickets.test }
        workloads:
          - { name: throttled-agent, id: "spiffe://test.local/agents/throttled", owner: team-b, tools: [tickets.read], rateLimit: 1/h }
        roles:
          operator: [spiffe://test.local/operator]
        """;

    [Test]
    public async Task Under_the_kill_switch_a_token_request_is_invalid_grant()
    {
        await using var broker = await BrokerFixture.StartAsync(settings: OAuthClient.HttpListener);
        using var client = await OAuthClient.ForAsync(broker);
        await broker.Admin.EngageKillSwitchAsync(new KillSwitchRequest { Reason = "incident 7" }, broker.As(TestPolicy.Operator));

        var response = await client.RequestAsync(TestPolicy.Support, "tickets.read", "https://tickets.test", OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.Multiple(() =>
        {
            Assert.That(response.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(response.Error, Is.EqualTo("invalid_grant"));
            Assert.That(response.ErrorDescription, Does.StartWith("kill switch engaged at "));
            Assert.That(response.AccessToken, Is.Null);
            Assert.That(broker.Logs.Errors, Is.Empty);
        });
    }

    [Test]
    public async Task Past_its_rate_limit_a_workload_gets_429_with_Retry_After()
    {
        await using var broker = await BrokerFixture.StartAsync(policy: RatePolicy, settings: OAuthClient.HttpListener);
        using var client = await OAuthClient.ForAsync(broker);
        var first = await client.RequestAsync(Throttled, "tickets.read", "https://tickets.test", OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.That(first.IsError, Is.False, first.Raw);

        var second = await client.RequestAsync(Throttled, "tickets.read", "https://tickets.test", OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.Multiple(() =>
        {
            Assert.That(second.HttpStatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(second.HttpResponse!.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
            Assert.That(second.Json!.Value.GetProperty("error").GetString(), Is.EqualTo("temporarily_unavailable"));
            Assert.That(second.Json!.Value.GetProperty("error_description").GetString(), Does.Contain("throttled-agent"));
            Assert.That(second.AccessToken, Is.Null);
            Assert.That(broker.Logs.Errors, Is.Empty);
        });
    }

    [Test]
    public async Task With_the_store_down_the_answer_is_503_and_no_token()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var broker = await BrokerFixture.StartAsync(redis.Endpoint, settings: OAuthClient.HttpListener);
        using var client = await OAuthClient.ForAsync(broker);
        var assertion = broker.IdentityToken(TestPolicy.Support);
        // The Redis client logs each lost connection and reconnect attempt as an error.
        broker.Logs.ExpectErrorsFrom("StackExchange.Redis");
        await redis.StopAsync();

        var response = await client.RequestWithAssertionAsync(assertion, "tickets.read", "https://tickets.test", OAuthClient.Details(BrokerFixture.NewTaskId()));
        Assert.Multiple(() =>
        {
            Assert.That(response.HttpStatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(response.Json!.Value.GetProperty("error").GetString(), Is.EqualTo("temporarily_unavailable"));
            Assert.That(response.Json!.Value.GetProperty("error_description").GetString(), Does.Contain("no token issued"));
            Assert.That(response.Raw, Does.Not.Contain("access_token"));
        });
    }

    [Test]
    public async Task An_unexpected_failure_is_server_error_without_its_cause()
    {
        // A seam: no outside request can make the broker fail unexpectedly, so the approval store does.
        var store = new Mock<IApprovalStore>();
        store.Setup(s => s.GetApprovalAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("secret internals"));
        await using var broker = await BrokerFixture.StartAsync(settings: OAuthClient.HttpListener, services: s => s.AddSingleton(store.Object));
        using var client = await OAuthClient.ForAsync(broker);
        broker.Logs.ExpectErrorsFrom("CredBroker.Server.Http.OAuthServerErrors");

        var response = await client.PollAsync(TestPolicy.Support, ApprovalDraft.NewId());
        Assert.Multiple(() =>
        {
            Assert.That(response.HttpStatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
            Assert.That(OAuthClient.Error(response), Is.EqualTo("server_error"), response.Raw);
            Assert.That(response.Raw, Does.Not.Contain("secret internals"));
            Assert.That(response.HttpResponse!.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(broker.Logs.Errors, Has.Some.Contains("answered server_error"));
        });
    }
}
