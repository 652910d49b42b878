using System.Security.Cryptography;
using System.Text;
using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>Every broker RPC needs a valid identity and the role its method names.</summary>
public sealed class AuthenticationTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private static CallOptions Bearer(string value) => new(new Metadata { { "authorization", value } });

    private RpcException RequestWith(CallOptions options) => Assert.ThrowsAsync<RpcException>(async () =>
        await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, options))!;

    [Test]
    public void A_call_without_identity_is_UNAUTHENTICATED()
    {
        var error = RequestWith(new CallOptions());
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("Bearer"));
    }

    [TestCase("Basic dXNlcjpwYXNz")]
    [TestCase("Bearer ")]
    [TestCase("Bearer not.a.jwt")]
    [TestCase("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    public void A_malformed_bearer_is_UNAUTHENTICATED(string header)
    {
        var error = RequestWith(Bearer(header));
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Not.Contain(header.Length > 7 ? header[7..] : "\u0000"), "the reason never echoes the token");
    }

    [Test]
    public void A_token_signed_by_an_untrusted_key_is_UNAUTHENTICATED()
    {
        var genuine = broker.IdentityToken(TestPolicy.Support).Split('.');
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signature = forger.SignData(Encoding.ASCII.GetBytes(genuine[0] + "." + genuine[1]), HashAlgorithmName.SHA256);
        var error = RequestWith(Bearer($"Bearer {genuine[0]}.{genuine[1]}.{TokenParts.Encode(signature)}"));
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("signature"));
    }

    [Test]
    public async Task An_access_token_is_not_accepted_as_an_identity()
    {
        var grant = await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support));
        var error = RequestWith(Bearer("Bearer " + grant.Grant.AccessToken));
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
    }

    [Test]
    public void A_workload_missing_from_policy_is_PERMISSION_DENIED()
    {
        var error = RequestWith(broker.As(TestPolicy.Stranger));
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain("role agent"));
    }

    [Test]
    public void A_tool_outside_the_workloads_rule_is_PERMISSION_DENIED_naming_rule_and_tool()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = "t-42", Purpose = "p", Tools = { "tickets.read", "tickets.admin" } }, broker.As(TestPolicy.Support)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Is.EqualTo("policy rule 'support-agent' does not allow tool 'tickets.admin' for task t-42"));
    }

    [Test]
    public void An_agent_cannot_revoke_tasks_or_introspect()
    {
        var revoke = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = "t-1" }, broker.As(TestPolicy.Support)));
        var introspect = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = "x" }, broker.As(TestPolicy.Support)));
        var admin = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = "g_x" }, broker.As(TestPolicy.Orchestrator)));
        Assert.That(revoke!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(revoke.Status.Detail, Does.Contain("role orchestrator"));
        Assert.That(introspect!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(introspect.Status.Detail, Does.Contain("role tool"));
        Assert.That(admin!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(admin.Status.Detail, Does.Contain("role operator"));
    }

    [Test]
    public void Every_method_of_every_service_has_a_role_row()
    {
        var services = new[] { GrantService.Descriptor, TaskService.Descriptor, AdminService.Descriptor, VerifyService.Descriptor };
        var methods = services.SelectMany(s => s.Methods.Select(m => $"/{s.FullName}/{m.Name}")).ToList();
        Assert.That(methods, Has.Count.EqualTo(23), "the design's 20 methods, AdminService.ReadAudit, AdminService.ReleaseTool and GrantService.ExchangeGrant");
        Assert.That(methods.Where(m => MethodRoles.For(m) is null), Is.Empty);
        Assert.That(MethodRoles.Methods, Is.EquivalentTo(methods), "no row names a method that does not exist");
    }

    [Test]
    public async Task ListGrants_answers_an_operator_and_refuses_an_anonymous_caller()
    {
        var page = await broker.Admin.ListGrantsAsync(new ListGrantsRequest { TaskId = BrokerFixture.NewTaskId() }, broker.As(TestPolicy.Operator));
        Assert.That(page.Grants, Is.Empty);
        var anonymous = Assert.ThrowsAsync<RpcException>(async () => await broker.Admin.ListGrantsAsync(new ListGrantsRequest()));
        Assert.That(anonymous!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
    }
}
