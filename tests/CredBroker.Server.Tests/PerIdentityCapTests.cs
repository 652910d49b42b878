using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using CredBroker.Testing.Broker;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>
/// One identity cannot hold more <c>WatchRevocations</c> streams or parked <c>AwaitApproval</c> calls than
/// <c>CredBroker:Limits</c> allows: one more is RESOURCE_EXHAUSTED naming the setting, other identities are
/// untouched, and a slot is given back when its call ends.
/// </summary>
public sealed class PerIdentityCapTests
{
    private const string Agent = "spiffe://test.local/agents/data";
    private const string OtherAgent = "spiffe://test.local/agents/other";
    private const string Tool = "spiffe://test.local/tools/db";
    private const string OtherTool = "spiffe://test.local/tools/other";

    private const string Policy = """
        version: 1
        limits: { maxTtl: 10m, defaultTtl: 2m, approvalTtl: 5m }
        tools:
          - { name: db.drop, audience: https://db.test, risk: critical }
        workloads:
          - { name: data-agent, id: spiffe://test.local/agents/data, owner: team-data, tools: [db.*] }
          - { name: other-agent, id: spiffe://test.local/agents/other, owner: team-data, tools: [db.*] }
        roles:
          approver: [spiffe://test.local/approver]
          tool: [spiffe://test.local/tools/*]
        """;

    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync(policy: Policy, settings: new Dictionary<string, string?>
    {
        ["CredBroker:Limits:MaxWatchStreamsPerIdentity"] = "2",
        ["CredBroker:Limits:MaxAwaitingApprovalsPerIdentity"] = "2",
    });

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    [Test]
    public async Task A_third_WatchRevocations_stream_of_one_identity_is_RESOURCE_EXHAUSTED()
    {
        using var first = await WatchAsync(Tool);
        using var second = await WatchAsync(Tool);

        var third = broker.Verify.WatchRevocations(new WatchRevocationsRequest(), broker.As(Tool));
        var error = Assert.ThrowsAsync<RpcException>(async () => await third.ResponseStream.MoveNext(CancellationToken.None));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(error.Status.Detail, Does.Contain(Tool).And.Contain("CredBroker:Limits:MaxWatchStreamsPerIdentity"));
        third.Dispose();

        using var otherIdentity = await WatchAsync(OtherTool);
        Assert.That(await otherIdentity.ResponseStream.MoveNext(CancellationToken.None), Is.True, "another identity is not held back");

        first.Dispose();
        await SlotFreedAsync("WatchRevocations", Tool, 1);
        using var again = await WatchAsync(Tool);
    }

    [Test]
    public async Task A_third_parked_AwaitApproval_of_one_identity_is_RESOURCE_EXHAUSTED()
    {
        using var first = await AwaitAsync(Agent);
        using var second = await AwaitAsync(Agent);

        var pending = await HoldAsync(Agent);
        var error = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Grants.AwaitApprovalAsync(new AwaitApprovalRequest { ApprovalId = pending }, broker.As(Agent).WithDeadline(DateTime.UtcNow.AddMinutes(1))));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(error.Status.Detail, Does.Contain(Agent).And.Contain("CredBroker:Limits:MaxAwaitingApprovalsPerIdentity"));

        using var otherIdentity = await AwaitAsync(OtherAgent);

        first.Dispose();
        await SlotFreedAsync("AwaitApproval", Agent, 1);
        using var again = await AwaitAsync(Agent);
    }

    [Test]
    public async Task Kestrel_accepts_no_more_connections_than_CredBroker_Limits_MaxConnections()
    {
        await using var limited = await BrokerFixture.StartAsync(settings: new Dictionary<string, string?> { ["CredBroker:Limits:MaxConnections"] = "1" });
        var health = new Grpc.Health.V1.Health.HealthClient(limited.Channel);
        Assert.That((await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest())).Status, Is.EqualTo(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving));

        // The channel holds the one connection allowed; a second client's connection is closed unanswered.
        using var second = new HttpClient { BaseAddress = limited.Address, DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Assert.ThrowsAsync<HttpRequestException>(async () => await second.GetAsync("/healthz"));
    }

    [TestCase("MaxConnections", "0")]
    [TestCase("MaxWatchStreamsPerIdentity", "0")]
    [TestCase("MaxAwaitingApprovalsPerIdentity", "-1")]
    [TestCase("KeepAliveTimeout", "00:00:00")]
    public void A_limit_out_of_range_stops_the_broker_at_start_naming_the_setting(string setting, string value)
    {
        var error = Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
            await BrokerFixture.StartAsync(settings: new Dictionary<string, string?> { ["CredBroker:Limits:" + setting] = value }));
        Assert.That(error!.Message, Does.Contain("CredBroker:Limits:" + setting));
    }

    /// <summary>A watch stream the broker has admitted (it sends headers once the slot is taken).</summary>
    private async Task<AsyncServerStreamingCall<RevocationEvent>> WatchAsync(string identity)
    {
        var call = broker.Verify.WatchRevocations(new WatchRevocationsRequest(), broker.As(identity));
        await call.ResponseHeadersAsync;
        return call;
    }

    /// <summary>An AwaitApproval the broker has admitted and parked on a fresh pending approval.</summary>
    private async Task<AsyncUnaryCall<RequestGrantResponse>> AwaitAsync(string identity)
    {
        var approvalId = await HoldAsync(identity);
        var call = broker.Grants.AwaitApprovalAsync(new AwaitApprovalRequest { ApprovalId = approvalId }, broker.As(identity).WithDeadline(DateTime.UtcNow.AddMinutes(1)));
        await call.ResponseHeadersAsync;
        return call;
    }

    private async Task<string> HoldAsync(string identity)
    {
        var response = await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "drop a table", Tools = { "db.drop" } }, broker.As(identity));
        Assert.That(response.ResultCase, Is.EqualTo(RequestGrantResponse.ResultOneofCase.Pending));
        return response.Pending.ApprovalId;
    }

    /// <summary>A cancelled call gives its slot back once the server sees the cancellation; wait for that, boundedly.</summary>
    private async Task SlotFreedAsync(string method, string identity, int expected)
    {
        var slots = broker.Services.GetRequiredService<CallSlots>();
        for (var i = 0; i < 200 && slots.Held(method, identity) != expected; i++)
        {
            await Task.Delay(25);
        }

        Assert.That(slots.Held(method, identity), Is.EqualTo(expected));
    }
}
