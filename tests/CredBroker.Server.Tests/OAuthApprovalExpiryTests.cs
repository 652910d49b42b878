using System.Net;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Server.Tests;

/// <summary>
/// A CIBA poll for a held request whose approval expired (limits.approvalTtl) answers CIBA Core section 11's
/// <c>expired_token</c>: the client must start over, not poll again. Decided or not, an uncollected approval
/// is good for nothing once expired.
/// </summary>
public sealed class OAuthApprovalExpiryTests
{
    private const string Db = "https://db.test";

    private FakeTimeProvider time = null!;
    private BrokerFixture broker = null!;
    private OAuthClient client = null!;

    [SetUp]
    public async Task Start()
    {
        time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        broker = await BrokerFixture.StartAsync(policy: ApprovalPolicy.Yaml, settings: OAuthClient.HttpListener, time: time);
        client = await OAuthClient.ForAsync(broker);
    }

    [TearDown]
    public async Task Stop()
    {
        Assert.That(broker.Logs.Errors, Is.Empty);
        client.Dispose();
        await broker.DisposeAsync();
    }

    private async Task<(string TaskId, string AuthRequestId)> HoldAsync()
    {
        var taskId = BrokerFixture.NewTaskId();
        var held = await client.ClientCredentialsAsync(ApprovalPolicy.DataAgent, "db.drop", Db, OAuthClient.Details(taskId, "nightly cleanup"));
        Assert.That(held.Error, Is.EqualTo("authorization_pending"), held.Raw);
        return (taskId, held.Json!.Value.GetProperty("auth_req_id").GetString()!);
    }

    [Test]
    public async Task A_poll_after_the_approval_expired_undecided_is_expired_token()
    {
        var (taskId, authRequestId) = await HoldAsync();

        time.Advance(TimeSpan.FromMinutes(5));
        var poll = await client.PollAsync(ApprovalPolicy.DataAgent, authRequestId);

        Assert.Multiple(async () =>
        {
            Assert.That(poll.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(poll.Error, Is.EqualTo("expired_token"), poll.Raw);
            Assert.That(poll.ErrorDescription, Does.Contain($"approval {authRequestId} expired at"));
            Assert.That(poll.AccessToken, Is.Null);
            Assert.That(poll.HttpResponse!.Headers.CacheControl?.NoStore, Is.True);
            var kinds = (await client.AuditOfTaskAsync(taskId)).Select(e => e.GetProperty("kind").GetString());
            Assert.That(kinds, Is.EqualTo(new[] { "grant.pending", "grant.refused" }));
        });
    }

    [Test]
    public async Task A_poll_after_an_approved_request_expired_uncollected_is_expired_token()
    {
        var (_, authRequestId) = await HoldAsync();
        await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = authRequestId }, broker.As(ApprovalPolicy.Approver));

        time.Advance(TimeSpan.FromMinutes(5));
        var poll = await client.PollAsync(ApprovalPolicy.DataAgent, authRequestId);

        Assert.That(poll.Error, Is.EqualTo("expired_token"), poll.Raw);
        Assert.That(poll.AccessToken, Is.Null);
    }

    [Test]
    public async Task A_poll_just_before_expiry_still_collects_the_token()
    {
        var (_, authRequestId) = await HoldAsync();
        await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = authRequestId }, broker.As(ApprovalPolicy.Approver));

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var poll = await client.PollAsync(ApprovalPolicy.DataAgent, authRequestId);

        Assert.That(poll.IsError, Is.False, poll.Raw);
        Assert.That(poll.Scope, Is.EqualTo("db.drop"));
    }
}
