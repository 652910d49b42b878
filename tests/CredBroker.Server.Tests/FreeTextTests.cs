using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>
/// Free text refuses what reads differently from what it is (controls, bidirectional overrides and
/// other invisible format characters, line and paragraph separators), and id fields are checked for
/// their character set; no refusal echoes the refused text raw.
/// </summary>
public sealed class FreeTextTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    public static IEnumerable<TestCaseData> HiddenCharacters()
    {
        TestCaseData Case(string name, string field, string hidden, Func<BrokerFixture, string, string, Task> call) =>
            new TestCaseData(call, field, hidden).SetName($"{field}_with_{name}_is_refused");

        yield return Case("right_to_left_override_U202E", "purpose", "\u202E", (b, t, x) => Grant(b, t, r => r.Purpose = "read ticket " + x + "24 tekcit"));
        yield return Case("line_separator_U2028", "purpose", "\u2028", (b, t, x) => Grant(b, t, r => r.Purpose = "read" + x + "FAKE AUDIT LINE"));
        yield return Case("zero_width_space_U200B", "context[env]", "\u200B", (b, t, x) => Grant(b, t, r => r.Context.Add("env", "prod" + x)));
        yield return Case("pop_directional_isolate_U2069", "owner", "\u2069", (b, t, x) => b.Tasks.OpenTaskAsync(
            new OpenTaskRequest { TaskId = t, WorkloadId = TestPolicy.Support, Purpose = "p", Owner = "alice" + x, Tools = { "tickets.read" } }, b.As(TestPolicy.Orchestrator)).ResponseAsync);
        yield return Case("paragraph_separator_U2029", "reason", "\u2029", (b, t, x) => b.Tasks.RevokeTaskAsync(
            new RevokeTaskRequest { TaskId = t, Reason = "done" + x + "approved by ciso" }, b.As(TestPolicy.Orchestrator)).ResponseAsync);
        yield return Case("language_tag_U000E0001", "reason", "\U000E0001", (b, t, x) => b.Admin.EngageKillSwitchAsync(
            new KillSwitchRequest { Reason = "drill" + x }, b.As(TestPolicy.Operator)).ResponseAsync);
    }

    [TestCaseSource(nameof(HiddenCharacters))]
    public void Free_text_with_an_invisible_or_bidirectional_character_is_INVALID_ARGUMENT(Func<BrokerFixture, string, string, Task> call, string field, string hidden)
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await call(broker, BrokerFixture.NewTaskId(), hidden));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument), error.Status.Detail);
        Assert.That(error.Status.Detail, Does.StartWith(field + ":").And.Contain($"U+{char.ConvertToUtf32(hidden, 0):X4}"));
        Assert.That(error.Status.Detail, Does.Not.Contain(hidden), "the refusal names the character, it does not carry it");
    }

    public static IEnumerable<TestCaseData> BadApprovalIds()
    {
        TestCaseData Case(string name, Func<BrokerFixture, string, Task> call) => new TestCaseData(call).SetName($"approval_id_with_a_bidi_override_is_refused_by_{name}");

        yield return Case("RequestGrant", (b, id) => Grant(b, BrokerFixture.NewTaskId(), r => r.ApprovalId = id));
        yield return Case("AwaitApproval", (b, id) => b.Grants.AwaitApprovalAsync(new AwaitApprovalRequest { ApprovalId = id }, b.As(TestPolicy.Support)).ResponseAsync);
        yield return Case("ApproveGrant", (b, id) => b.Admin.ApproveGrantAsync(new ApproveGrantRequest { ApprovalId = id }, b.As(TestPolicy.Approver)).ResponseAsync);
        yield return Case("DenyGrant", (b, id) => b.Admin.DenyGrantAsync(new DenyGrantRequest { ApprovalId = id }, b.As(TestPolicy.Approver)).ResponseAsync);
    }

    [TestCaseSource(nameof(BadApprovalIds))]
    public void An_approval_id_outside_its_character_set_is_INVALID_ARGUMENT_and_not_echoed(Func<BrokerFixture, string, Task> call)
    {
        const string forged = "ap_\u202Edeirf\u2066-approved";
        var error = Assert.ThrowsAsync<RpcException>(async () => await call(broker, forged));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument), error.Status.Detail);
        Assert.That(error.Status.Detail, Does.StartWith("approval_id:"));
        Assert.That(error.Status.Detail, Does.Not.Contain("deirf"), "the id is not echoed");
    }

    [Test]
    public void A_malformed_context_key_is_named_escaped_never_raw()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await Grant(broker, BrokerFixture.NewTaskId(), r => r.Context.Add("env\u202E", "prod")));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.StartWith("context:").And.Contain("env\\u202E").And.Not.Contain("\u202E"));
    }

    [Test]
    public async Task Ordinary_non_ASCII_text_is_still_accepted()
    {
        var response = await Grant(broker, BrokerFixture.NewTaskId(), r => r.Purpose = "Ticket für Jürgen, \u05E9\u05DC\u05D5\u05DD, \u4F60\u597D");
        Assert.That(response.Grant, Is.Not.Null);
    }

    private static async Task<RequestGrantResponse> Grant(BrokerFixture broker, string taskId, Action<RequestGrantRequest> change)
    {
        var request = new RequestGrantRequest { TaskId = taskId, Purpose = "read a ticket", Tools = { "tickets.read" } };
        change(request);
        return await broker.Grants.RequestGrantAsync(request, broker.As(TestPolicy.Support));
    }
}
