using CredBroker.Testing.Broker;

namespace CredBroker.Client.Tests;

/// <summary>GetTokenAsync hands out a cached grant until a margin before expiry, against a real broker.</summary>
public sealed class GrantCacheTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    [Test]
    public async Task GetToken_returns_the_same_token_until_the_refresh_margin_and_a_new_one_after()
    {
        var clock = ClientBroker.Clock();
        using var client = ClientBroker.For(broker, TestPolicy.Support, clock);
        var taskId = BrokerFixture.NewTaskId();
        var tools = new[] { "tickets.read" };

        // 2 minutes with the default 30 s margin: reused for 90 s.
        var first = await client.GetTokenAsync(taskId, "answer the customer", tools, TimeSpan.FromMinutes(2));
        clock.Advance(TimeSpan.FromSeconds(89));
        var beforeMargin = await client.GetTokenAsync(taskId, "answer the customer", tools, TimeSpan.FromMinutes(2));
        clock.Advance(TimeSpan.FromSeconds(2));
        var afterMargin = await client.GetTokenAsync(taskId, "answer the customer", tools, TimeSpan.FromMinutes(2));

        Assert.That(beforeMargin, Is.EqualTo(first));
        Assert.That(afterMargin, Is.Not.EqualTo(first));
        Assert.That(ClientBroker.IssuedFor(broker, taskId), Is.EqualTo(2));
        Assert.That((await broker.Verify.IntrospectAsync(new() { Token = afterMargin }, broker.As(TestPolicy.Tool))).Active, Is.True);
    }

    [Test]
    public async Task A_grant_shorter_than_twice_the_margin_is_refreshed_at_half_its_lifetime()
    {
        var clock = ClientBroker.Clock();
        using var client = ClientBroker.For(broker, TestPolicy.Support, clock);
        var request = ClientBroker.Tickets(BrokerFixture.NewTaskId(), TimeSpan.FromSeconds(10));

        var first = await client.GetGrantAsync(request);
        clock.Advance(TimeSpan.FromSeconds(4));
        var reused = await client.GetGrantAsync(request);
        clock.Advance(TimeSpan.FromSeconds(2));
        var refreshed = await client.GetGrantAsync(request);

        Assert.That(first.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(reused.GrantId, Is.EqualTo(first.GrantId));
        Assert.That(refreshed.GrantId, Is.Not.EqualTo(first.GrantId));
    }

    [Test]
    public async Task Concurrent_callers_share_one_broker_request()
    {
        using var client = ClientBroker.For(broker, TestPolicy.Support);
        var request = ClientBroker.Tickets(BrokerFixture.NewTaskId());

        var grants = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => client.GetGrantAsync(request))));

        Assert.That(grants.Select(g => g.GrantId).Distinct().Count(), Is.EqualTo(1));
        Assert.That(ClientBroker.IssuedFor(broker, request.TaskId), Is.EqualTo(1));
    }

    [Test]
    public async Task Different_tools_tasks_or_ttls_get_their_own_grants_while_tool_order_does_not_matter()
    {
        using var client = ClientBroker.For(broker, TestPolicy.Support);
        var taskId = BrokerFixture.NewTaskId();

        var both = await client.GetGrantAsync(ClientBroker.Tickets(taskId, null, "tickets.read", "tickets.write"));
        var reordered = await client.GetGrantAsync(ClientBroker.Tickets(taskId, null, "tickets.write", "tickets.read"));
        var readOnly = await client.GetGrantAsync(ClientBroker.Tickets(taskId, null, "tickets.read"));
        var shorter = await client.GetGrantAsync(ClientBroker.Tickets(taskId, TimeSpan.FromMinutes(1), "tickets.read"));
        var otherTask = await client.GetGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId(), null, "tickets.read"));

        Assert.That(reordered.GrantId, Is.EqualTo(both.GrantId));
        Assert.That(new[] { both.GrantId, readOnly.GrantId, shorter.GrantId, otherTask.GrantId }, Is.Unique);
    }

    [Test]
    public async Task A_refused_request_is_not_cached_so_the_next_call_asks_again()
    {
        var identity = TestPolicy.Stranger;
        using var client = ClientBroker.For(broker, _ => ValueTask.FromResult(broker.IdentityToken(identity)));
        var request = ClientBroker.Tickets(BrokerFixture.NewTaskId());

        Assert.ThrowsAsync<CredBrokerException>(() => client.GetGrantAsync(request));
        identity = TestPolicy.Support;
        var grant = await client.GetGrantAsync(request);

        Assert.That(grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
    }

    [Test]
    public async Task Releasing_a_cached_grant_makes_the_next_call_fetch_a_new_one()
    {
        using var client = ClientBroker.For(broker, TestPolicy.Support);
        var request = ClientBroker.Tickets(BrokerFixture.NewTaskId());

        var first = await client.GetGrantAsync(request);
        await client.ReleaseGrantAsync(first.GrantId);
        var second = await client.GetGrantAsync(request);

        Assert.That(second.GrantId, Is.Not.EqualTo(first.GrantId));
        Assert.That((await ClientBroker.IntrospectAsync(broker, first.AccessToken)).Active, Is.False);
    }

    [Test]
    public async Task A_caller_that_gives_up_is_cancelled_without_failing_the_shared_request()
    {
        using var client = ClientBroker.For(broker, TestPolicy.Support);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var request = ClientBroker.Tickets(BrokerFixture.NewTaskId());

        Assert.That(async () => await client.GetGrantAsync(request, cancelled.Token), Throws.InstanceOf<OperationCanceledException>());
        var grant = await client.GetGrantAsync(request);

        Assert.That(grant.TaskId, Is.EqualTo(request.TaskId));
        Assert.That(ClientBroker.IssuedFor(broker, request.TaskId), Is.EqualTo(1), "the abandoned request still went through once and was kept");
    }
}
