using System.Net;
using System.Net.Sockets;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Client.Tests;

/// <summary>Each client call against a real broker: typed results, and refusals as exceptions carrying status, reason and field.</summary>
public sealed class ClientCallTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    [Test]
    public async Task RequestGrant_returns_a_typed_grant_whose_token_introspects_active()
    {
        using var client = ClientBroker.For(broker, TestPolicy.Support);
        var taskId = BrokerFixture.NewTaskId();

        var grant = await client.RequestGrantAsync(ClientBroker.Tickets(taskId, TimeSpan.FromMinutes(1), "tickets.read", "tickets.write"));
        var introspection = await ClientBroker.IntrospectAsync(broker, grant.AccessToken);

        Assert.Multiple(() =>
        {
            Assert.That(grant.TaskId, Is.EqualTo(taskId));
            Assert.That(grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
            Assert.That(grant.Tools, Is.EqualTo(new[] { "tickets.read", "tickets.write" }));
            Assert.That(grant.Scope, Is.EqualTo("tickets.read tickets.write"));
            Assert.That(grant.Audience, Is.EqualTo("https://tickets.test"));
            Assert.That(grant.Lifetime, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(introspection.Active, Is.True, introspection.Reason);
            Assert.That(introspection.GrantId, Is.EqualTo(grant.GrantId));
            Assert.That(introspection.TaskId, Is.EqualTo(taskId));
            Assert.That(introspection.Subject, Is.EqualTo(TestPolicy.Support));
            Assert.That(introspection.ExpiresAt, Is.EqualTo(grant.ExpiresAt));
        });
    }

    [Test]
    public void A_grant_prints_without_its_token()
    {
        var grant = new BrokerGrant("g_1", "eyJhbGciOiJFUzI1NiJ9.secret.sig", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(1), "t-1", TestPolicy.Support, ["tickets.read"], "https://tickets.test", "tickets.read");
        Assert.That(grant.ToString(), Does.Contain("g_1").And.Not.Contain("secret"));
    }

    [Test]
    public async Task RevokeTask_as_orchestrator_ends_the_tasks_grants_and_refuses_new_ones_with_the_reason()
    {
        using var agent = ClientBroker.For(broker, TestPolicy.Support);
        using var orchestrator = ClientBroker.For(broker, TestPolicy.Orchestrator);
        var taskId = BrokerFixture.NewTaskId();
        var token = await agent.GetTokenAsync(taskId, "answer the customer", ["tickets.read"]);

        var revoked = await orchestrator.RevokeTaskAsync(taskId, "task finished");
        var refused = Assert.ThrowsAsync<CredBrokerException>(() => agent.RequestGrantAsync(ClientBroker.Tickets(taskId)));
        var introspection = await ClientBroker.IntrospectAsync(broker, token);

        Assert.That(revoked.RevokedGrants, Is.EqualTo(1));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(refused.Reason, Does.StartWith($"task {taskId} was revoked at "));
        Assert.That(refused.Message, Does.StartWith("FAILED_PRECONDITION: task "));
        Assert.That(introspection.Active, Is.False);
        Assert.That(introspection.Reason, Does.Contain($"task {taskId} was revoked"));
        Assert.That(introspection.GrantId, Is.Null, "an inactive answer carries no claims");
    }

    [Test]
    public async Task RevokeGrant_as_operator_makes_the_token_inactive()
    {
        using var agent = ClientBroker.For(broker, TestPolicy.Support);
        using var operatorClient = ClientBroker.For(broker, TestPolicy.Operator);
        var grant = await agent.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId()));

        var revoked = await operatorClient.RevokeGrantAsync(grant.GrantId, "suspicious use");

        Assert.That(revoked.RevokedGrants, Is.EqualTo(1));
        Assert.That((await ClientBroker.IntrospectAsync(broker, grant.AccessToken)).Reason, Does.Contain("grant was revoked"));
    }

    [Test]
    public void Bad_input_is_INVALID_ARGUMENT_with_the_field_from_the_BadRequest_detail()
    {
        using var client = ClientBroker.For(broker, TestPolicy.Support);
        var error = Assert.ThrowsAsync<CredBrokerException>(() => client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId(), null, "tickets.read", "Not A Tool")));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.StatusName, Is.EqualTo("INVALID_ARGUMENT"));
        Assert.That(error.Field, Is.EqualTo("tools[1]"));
        Assert.That(error.Reason, Does.StartWith("tools[1]: not a tool name"));
        Assert.That(error.IsUnavailable, Is.False);
    }

    [Test]
    public void A_policy_denial_is_PERMISSION_DENIED_with_the_brokers_reason_and_no_field()
    {
        using var client = ClientBroker.For(broker, TestPolicy.Support);
        var error = Assert.ThrowsAsync<CredBrokerException>(() => client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId(), null, "repo.read")));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Reason, Does.Contain("repo.read"));
        Assert.That(error.Field, Is.Null);
    }

    [Test]
    public void A_bad_identity_token_is_UNAUTHENTICATED()
    {
        using var client = ClientBroker.For(broker, _ => ValueTask.FromResult("not-a-jwt"));
        var error = Assert.ThrowsAsync<CredBrokerException>(() => client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId())));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Reason, Is.Not.Empty);
    }

    [Test]
    public void Releasing_an_unknown_grant_is_NOT_FOUND()
    {
        using var client = ClientBroker.For(broker, TestPolicy.Support);
        var error = Assert.ThrowsAsync<CredBrokerException>(() => client.ReleaseGrantAsync("g_doesnotexist"));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.NotFound));
    }

    [Test]
    public void An_unreachable_broker_is_UNAVAILABLE()
    {
        using var client = CredBrokerClient.Create(new CredBrokerClientOptions { Address = new Uri($"http://127.0.0.1:{ClosedPort()}"), IdentityToken = "x" });
        var error = Assert.ThrowsAsync<CredBrokerException>(() => client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId())));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(error.IsUnavailable, Is.True);
    }

    [Test]
    public async Task The_identity_provider_is_asked_on_every_call()
    {
        var asked = 0;
        var identity = TestPolicy.Support;
        using var client = ClientBroker.For(broker, _ =>
        {
            Interlocked.Increment(ref asked);
            return ValueTask.FromResult(broker.IdentityToken(identity));
        });

        var asSupport = await client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId()));
        identity = TestPolicy.Coder;
        var asCoder = await client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId(), null, "repo.read"));

        Assert.That(asSupport.WorkloadId, Is.EqualTo(TestPolicy.Support));
        Assert.That(asCoder.WorkloadId, Is.EqualTo(TestPolicy.Coder));
        Assert.That(asked, Is.EqualTo(2));
    }

    [Test]
    public async Task A_token_file_is_read_again_when_it_is_rotated()
    {
        var file = Path.Combine(broker.Directory, $"identity-{Guid.NewGuid():N}.jwt");
        await File.WriteAllTextAsync(file, broker.IdentityToken(TestPolicy.Support) + "\n");
        using var client = CredBrokerClient.Create(new CredBrokerClientOptions { Address = broker.Address, IdentityTokenFile = file });

        var before = await client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId()));
        await File.WriteAllTextAsync(file, broker.IdentityToken(TestPolicy.Coder));
        var after = await client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId(), null, "repo.read"));

        Assert.That(before.WorkloadId, Is.EqualTo(TestPolicy.Support));
        Assert.That(after.WorkloadId, Is.EqualTo(TestPolicy.Coder));
    }

    [Test]
    public void A_missing_token_file_fails_the_call_as_itself_before_anything_is_sent()
    {
        using var client = CredBrokerClient.Create(new CredBrokerClientOptions { Address = broker.Address, IdentityTokenFile = Path.Combine(broker.Directory, "missing.jwt") });
        Assert.ThrowsAsync<FileNotFoundException>(() => client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId())));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
