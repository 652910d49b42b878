using System.Net;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>
/// A token request policy holds for a person answers CIBA poll mode's <c>authorization_pending</c> with the
/// approval as <c>auth_req_id</c> and an <c>interval</c>; the client collects by polling the token endpoint with
/// the CIBA grant. Only the requesting workload collects, once, and only an approver other than it approves.
/// </summary>
public sealed class OAuthApprovalPollTests
{
    private const string Db = "https://db.test";

    private BrokerFixture broker = null!;
    private OAuthClient client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync(policy: ApprovalPolicy.Yaml, settings: OAuthClient.HttpListener);
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

    private async Task<(string TaskId, string AuthRequestId)> HoldAsync(string workload)
    {
        var taskId = BrokerFixture.NewTaskId();
        var held = await client.ClientCredentialsAsync(workload, "db.drop", Db, OAuthClient.Details(taskId, "nightly cleanup"));
        Assert.That(held.Error, Is.EqualTo("authorization_pending"), held.Raw);
        return (taskId, held.Json!.Value.GetProperty("auth_req_id").GetString()!);
    }

    [Test]
    public async Task A_held_request_answers_authorization_pending_with_the_approval_and_an_interval()
    {
        var taskId = BrokerFixture.NewTaskId();
        var response = await client.RequestAsync(ApprovalPolicy.DataAgent, "db.drop", Db, OAuthClient.Details(taskId, "nightly cleanup"));
        var pending = await broker.Admin.ListApprovalsAsync(new ListApprovalsRequest(), broker.As(ApprovalPolicy.Approver));
        var approval = pending.Approvals.Single(a => a.TaskId == taskId);
        Assert.Multiple(() =>
        {
            Assert.That(response.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(response.Error, Is.EqualTo("authorization_pending"));
            Assert.That(response.Json!.Value.GetProperty("auth_req_id").GetString(), Is.EqualTo(approval.ApprovalId));
            Assert.That(response.Json!.Value.GetProperty("interval").GetInt32(), Is.EqualTo(2));
            Assert.That(response.Json!.Value.GetProperty("expires_in").GetInt64(), Is.InRange(1, 300));
            Assert.That(response.ErrorDescription, Does.Contain("urn:openid:params:grant-type:ciba"));
            Assert.That(response.AccessToken, Is.Null);
        });
    }

    [Test]
    public async Task Polling_answers_pending_until_an_approver_decides_then_the_token_once()
    {
        var (taskId, authRequestId) = await HoldAsync(ApprovalPolicy.DataAgent);
        var early = await client.PollAsync(ApprovalPolicy.DataAgent, authRequestId);
        Assert.That(early.Error, Is.EqualTo("authorization_pending"));
        Assert.That(early.Json!.Value.GetProperty("interval").GetInt32(), Is.EqualTo(2));

        await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = authRequestId }, broker.As(ApprovalPolicy.Approver));
        var collected = await client.PollAsync(ApprovalPolicy.DataAgent, authRequestId);
        var again = await client.PollAsync(ApprovalPolicy.DataAgent, authRequestId);
        Assert.Multiple(async () =>
        {
            Assert.That(collected.IsError, Is.False, collected.Raw);
            Assert.That(collected.Scope, Is.EqualTo("db.drop"));
            Assert.That(collected.Json!.Value.GetProperty("authorization_details")[0].GetProperty("task_id").GetString(), Is.EqualTo(taskId));
            Assert.That(again.Error, Is.EqualTo("invalid_grant"));
            Assert.That(again.ErrorDescription, Does.Contain("already collected"));
            var kinds = (await client.AuditOfTaskAsync(taskId)).Select(e => e.GetProperty("kind").GetString());
            Assert.That(kinds, Is.EqualTo(new[] { "grant.pending", "approval.approved", "grant.issued", "grant.refused" }));
        });
    }

    [Test]
    public async Task Another_workload_cannot_collect_the_approval()
    {
        var (_, authRequestId) = await HoldAsync(ApprovalPolicy.DataAgent);
        await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = authRequestId }, broker.As(ApprovalPolicy.Approver));

        var stranger = await client.PollAsync(ApprovalPolicy.SelfApprover, authRequestId);
        Assert.That(stranger.Error, Is.EqualTo("invalid_grant"));
        Assert.That(stranger.ErrorDescription, Is.EqualTo($"auth_req_id: no approval '{authRequestId}' for this workload"));
        var owner = await client.PollAsync(ApprovalPolicy.DataAgent, authRequestId);
        Assert.That(owner.IsError, Is.False, owner.Raw);
    }

    [Test]
    public async Task The_requesting_workload_cannot_approve_itself_so_its_poll_stays_pending()
    {
        var (_, authRequestId) = await HoldAsync(ApprovalPolicy.SelfApprover);
        var self = Assert.ThrowsAsync<RpcException>(async () => await broker.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = authRequestId }, broker.As(ApprovalPolicy.SelfApprover)));
        var poll = await client.PollAsync(ApprovalPolicy.SelfApprover, authRequestId);
        Assert.That(self!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(poll.Error, Is.EqualTo("authorization_pending"));
    }

    [Test]
    public async Task A_denied_approval_polls_as_access_denied_naming_the_approver()
    {
        var (_, authRequestId) = await HoldAsync(ApprovalPolicy.DataAgent);
        await broker.Admin.DenyGrantAsync(new DenyGrantRequest { ApprovalId = authRequestId, Reason = "not tonight" }, broker.As(ApprovalPolicy.Approver));
        var poll = await client.PollAsync(ApprovalPolicy.DataAgent, authRequestId);
        Assert.That(poll.Error, Is.EqualTo("access_denied"));
        Assert.That(poll.ErrorDescription, Does.Contain(ApprovalPolicy.Approver).And.Contain("not tonight"));
    }

    [Test]
    public async Task A_poll_without_auth_req_id_is_invalid_request()
    {
        var (status, body, _) = await client.PostAsync(new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:openid:params:grant-type:ciba",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = broker.IdentityToken(ApprovalPolicy.DataAgent),
        }));
        Assert.That(status, Is.EqualTo(400));
        Assert.That(body.GetProperty("error").GetString(), Is.EqualTo("invalid_request"));
        Assert.That(body.GetProperty("error_description").GetString(), Does.StartWith("auth_req_id: required"));
    }
}
