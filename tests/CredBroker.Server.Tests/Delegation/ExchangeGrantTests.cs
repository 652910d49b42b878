using System.Text.Json;
using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static CredBroker.Testing.Broker.DelegationPolicy;

namespace CredBroker.Server.Tests.Delegation;

/// <summary>
/// ExchangeGrant (issue 14): a sub-agent gets its own, narrower token in its parent's task, with the
/// actor chain in the token, and dies with any grant above it. On both stores.
/// </summary>
[TestFixture("memory")]
[TestFixture("redis")]
[NonParallelizable]
public sealed class ExchangeGrantTests(string store)
{
    private BrokerFixture broker = null!;

    [SetUp]
    public async Task Start() => broker = store == "redis"
        ? await BrokerFixture.StartAsync(await SharedRedis.GetEndpointAsync(), policy: Yaml, redisKeyPrefix: $"exchange-{Guid.NewGuid():N}:")
        : await BrokerFixture.StartAsync(policy: Yaml);

    [TearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private async Task<IntrospectResponse> IntrospectAsync(string token) =>
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As(TestPolicy.Tool));

    private async Task<List<AuditEvent>> EventsAsync(string taskId)
    {
        var reader = broker.Services.GetRequiredService<IAuditReader>();
        return (await reader.ReadAsync(null, 100_000, CancellationToken.None)).Select(r => r.Event).Where(e => e.TaskId == taskId).ToList();
    }

    private async Task<int> LiveGrantsAsync(string taskId) =>
        (await broker.Admin.ListGrantsAsync(new ListGrantsRequest { TaskId = taskId }, broker.As(TestPolicy.Operator))).Grants.Count;

    private static RpcException Refused(Func<Task> call) => Assert.ThrowsAsync<RpcException>(async () => await call())!;

    [Test]
    public async Task A_delegates_to_B_and_B_to_C_with_the_nested_actor_chain_in_the_task()
    {
        var root = await broker.RootAsync();
        var b = await broker.ExchangeAsync(root.AccessToken, B);
        var c = await broker.ExchangeAsync(b.Grant.AccessToken, C);

        var claims = TokenParts.Parse(c.Grant.AccessToken).Payload;
        Assert.That(claims.GetProperty("sub").GetString(), Is.EqualTo(A), "sub is the root of the chain");
        Assert.That(claims.GetProperty("client_id").GetString(), Is.EqualTo(C), "the holder is the client");
        var act = claims.GetProperty("act");
        Assert.That(act.GetProperty("sub").GetString(), Is.EqualTo(C));
        Assert.That(act.GetProperty("act").GetProperty("sub").GetString(), Is.EqualTo(B));
        Assert.That(act.GetProperty("act").TryGetProperty("act", out _), Is.False, "the root is sub, not an actor");
        Assert.That(claims.GetProperty("task_id").GetString(), Is.EqualTo(root.TaskId));
        Assert.That(claims.GetProperty("scope").GetString(), Is.EqualTo("crm.read"));
        Assert.That(claims.GetProperty("aud").GetString(), Is.EqualTo(root.Audience));
        Assert.That(claims.GetProperty("parent_jti").GetString(), Is.EqualTo(b.Grant.GrantId));
        Assert.That(claims.GetProperty("ancestor_jtis").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { root.GrantId, b.Grant.GrantId }));
        Assert.That(c.Grant.ExpiresAt.ToDateTimeOffset(), Is.LessThanOrEqualTo(b.Grant.ExpiresAt.ToDateTimeOffset()));
        Assert.That(c.ParentGrantId, Is.EqualTo(b.Grant.GrantId));
        Assert.That(c.ActorChain, Is.EqualTo(new[] { C, B }));
        Assert.That(c.Depth, Is.EqualTo(2));

        var introspected = await IntrospectAsync(c.Grant.AccessToken);
        Assert.That(introspected.Active, Is.True, introspected.Reason);

        var exchanged = (await EventsAsync(root.TaskId)).Where(e => e.Kind == AuditKinds.GrantExchanged).ToList();
        Assert.That(exchanged.Select(e => (e.Caller, e.Evidence["actor"], e.Evidence["parent_grant"], e.GrantId)), Is.EqualTo(new[]
        {
            (B, B, root.GrantId, b.Grant.GrantId),
            (C, C, b.Grant.GrantId, c.Grant.GrantId),
        }), "one event per exchange, linked to its parent");
        Assert.That(exchanged.Select(e => e.WorkloadId), Is.All.EqualTo(A));
    }

    [Test]
    public async Task A_child_never_outlives_its_parent()
    {
        var root = await broker.RootAsync();
        var child = await broker.ExchangeAsync(root.AccessToken, B, ttl: TimeSpan.FromMinutes(10));

        Assert.That(child.Grant.ExpiresAt.ToDateTimeOffset(), Is.EqualTo(root.ExpiresAt.ToDateTimeOffset()));
        Assert.That(TokenParts.Parse(child.Grant.AccessToken).Payload.GetProperty("exp").GetInt64(), Is.EqualTo(root.ExpiresAt.Seconds));
    }

    [Test]
    public async Task A_tool_the_parent_lacks_is_permission_denied_and_nothing_is_written()
    {
        var root = await broker.RootAsync();
        var before = await LiveGrantsAsync(root.TaskId);

        var error = Refused(() => broker.ExchangeAsync(root.AccessToken, B, "crm.delete"));

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain("'crm.delete' is not in the parent grant's scope"));
        Assert.That(await LiveGrantsAsync(root.TaskId), Is.EqualTo(before));
        var events = await EventsAsync(root.TaskId);
        Assert.That(events.Count(e => e.Kind == AuditKinds.GrantExchanged), Is.Zero);
        var refusal = events.Single(e => e.Kind == AuditKinds.GrantRefused);
        Assert.That((refusal.Caller, refusal.WorkloadId, refusal.Decision, refusal.Evidence["parent_grant"]), Is.EqualTo((B, B, "permission_denied", root.GrantId)));
    }

    [Test]
    public async Task A_tool_marked_not_delegable_stays_with_the_workload_granted_it()
    {
        var root = await broker.RootAsync(null, "crm.read", "crm.export");

        var error = Refused(() => broker.ExchangeAsync(root.AccessToken, B, "crm.export"));

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain("'crm.export' is not delegable"));
    }

    [Test]
    public async Task A_tool_the_child_workload_may_not_use_is_denied_even_when_the_parent_has_it()
    {
        var root = await broker.RootAsync(null, "crm.read", "crm.delete");

        var error = Refused(() => broker.ExchangeAsync(root.AccessToken, B, "crm.delete"));

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain("crm.delete"));
    }

    [Test]
    public async Task An_exchange_beyond_maxDelegationDepth_is_refused()
    {
        var root = await broker.RootAsync();
        var b = await broker.ExchangeAsync(root.AccessToken, B);
        var c = await broker.ExchangeAsync(b.Grant.AccessToken, C);

        var error = Refused(() => broker.ExchangeAsync(c.Grant.AccessToken, D));

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain("beyond limits.maxDelegationDepth 2"));
        Assert.That(await LiveGrantsAsync(root.TaskId), Is.EqualTo(3));
    }

    [Test]
    public async Task A_workload_not_in_the_parents_delegates_is_refused()
    {
        var root = await broker.RootAsync();

        var error = Refused(() => broker.ExchangeAsync(root.AccessToken, Loner));

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain($"does not let {A} delegate to {Loner}"));
        Assert.That(await LiveGrantsAsync(root.TaskId), Is.EqualTo(1));
    }

    [Test]
    public async Task A_smuggled_act_claim_breaks_the_signature_and_is_refused()
    {
        var root = await broker.RootAsync();
        var parts = root.AccessToken.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(TokenParts.Decode(parts[1]))!;
        var forged = new Dictionary<string, object>(payload.ToDictionary(p => p.Key, p => (object)p.Value))
        {
            ["act"] = new { sub = B, act = new { sub = Loner } },
        };
        var smuggled = parts[0] + "." + TokenParts.Encode(JsonSerializer.SerializeToUtf8Bytes(forged)) + "." + parts[2];

        var error = Refused(() => broker.ExchangeAsync(smuggled, C));

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.StartWith("subject_token:"));
        Assert.That(await LiveGrantsAsync(root.TaskId), Is.EqualTo(1));
        Assert.That((await EventsAsync(root.TaskId)).Count(e => e.Kind == AuditKinds.GrantExchanged), Is.Zero);
    }

    [Test]
    public void A_subject_token_that_is_not_a_broker_token_is_invalid_argument()
    {
        var identity = Refused(() => broker.ExchangeAsync(broker.IdentityToken(A), B));
        var empty = Refused(() => broker.ExchangeAsync(string.Empty, B));

        Assert.That(identity.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(identity.Status.Detail, Does.StartWith("subject_token:"));
        Assert.That(empty.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
    }

    [Test]
    public async Task A_parent_of_another_task_than_the_caller_expects_is_refused()
    {
        var root = await broker.RootAsync();
        var other = BrokerFixture.NewTaskId();

        var error = Refused(() => broker.ExchangeAsync(root.AccessToken, B, taskId: other));

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain("another task"));
        Assert.That(await LiveGrantsAsync(root.TaskId), Is.EqualTo(1));
        Assert.That(await LiveGrantsAsync(other), Is.Zero);
        var same = await broker.ExchangeAsync(root.AccessToken, B, taskId: root.TaskId);
        Assert.That(same.Grant.TaskId, Is.EqualTo(root.TaskId));
    }

    [Test]
    public async Task A_revoked_parent_is_failed_precondition()
    {
        var root = await broker.RootAsync();
        await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = root.GrantId }, broker.As(A));

        var error = Refused(() => broker.ExchangeAsync(root.AccessToken, B));

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(error.Status.Detail, Does.Contain($"parent grant {root.GrantId} is not live"));
        Assert.That(await LiveGrantsAsync(root.TaskId), Is.Zero);
    }

    [Test]
    public async Task RevokeGrant_of_the_root_makes_every_descendant_inactive_at_once()
    {
        var root = await broker.RootAsync();
        var b = await broker.ExchangeAsync(root.AccessToken, B);
        var c = await broker.ExchangeAsync(b.Grant.AccessToken, C);
        var unrelated = await broker.ExchangeAsync((await broker.RootAsync()).AccessToken, B);

        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = root.GrantId }, broker.As(TestPolicy.Operator));

        foreach (var token in new[] { b.Grant.AccessToken, c.Grant.AccessToken })
        {
            var answer = await IntrospectAsync(token);
            Assert.That(answer.Active, Is.False);
            Assert.That(answer.Reason, Does.Contain($"ancestor grant {root.GrantId}"));
        }

        Assert.That((await IntrospectAsync(unrelated.Grant.AccessToken)).Active, Is.True);
        Assert.That(Refused(() => broker.ExchangeAsync(c.Grant.AccessToken, D)).StatusCode, Is.Not.EqualTo(StatusCode.OK));
    }

    [Test]
    public async Task RevokeGrant_of_a_middle_grant_spares_its_parent()
    {
        var root = await broker.RootAsync();
        var b = await broker.ExchangeAsync(root.AccessToken, B);
        var c = await broker.ExchangeAsync(b.Grant.AccessToken, C);

        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = b.Grant.GrantId }, broker.As(TestPolicy.Operator));

        Assert.That((await IntrospectAsync(c.Grant.AccessToken)).Active, Is.False);
        Assert.That((await IntrospectAsync(root.AccessToken)).Active, Is.True);
    }

    [Test]
    public async Task Quarantining_a_workload_kills_the_tokens_it_handed_on_and_refuses_its_exchanges()
    {
        var root = await broker.RootAsync();
        var b = await broker.ExchangeAsync(root.AccessToken, B);
        var c = await broker.ExchangeAsync(b.Grant.AccessToken, C);

        await broker.Admin.RevokeWorkloadAsync(
            new RevokeWorkloadRequest { WorkloadId = B, Quarantine = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) }, broker.As(TestPolicy.Operator));

        var answer = await IntrospectAsync(c.Grant.AccessToken);
        Assert.That(answer.Active, Is.False, "B is an actor in C's chain");
        Assert.That(answer.Reason, Does.Contain($"workload {B}"));
        Assert.That((await IntrospectAsync(root.AccessToken)).Active, Is.True);
        var refused = Refused(() => broker.ExchangeAsync(root.AccessToken, B));
        Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(refused.Status.Detail, Does.Contain("quarantined"));
    }

    [Test]
    public async Task The_sub_agent_hands_its_delegated_grant_back_and_the_root_cannot()
    {
        var root = await broker.RootAsync();
        var b = await broker.ExchangeAsync(root.AccessToken, B);
        var c = await broker.ExchangeAsync(b.Grant.AccessToken, C);

        var byRoot = Refused(async () => await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = b.Grant.GrantId }, broker.As(A)));
        await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = b.Grant.GrantId }, broker.As(B));

        Assert.That(byRoot.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That((await IntrospectAsync(b.Grant.AccessToken)).Active, Is.False);
        Assert.That((await IntrospectAsync(c.Grant.AccessToken)).Active, Is.False, "handing back a grant ends what was delegated from it");
        Assert.That((await IntrospectAsync(root.AccessToken)).Active, Is.True);
    }

    [Test]
    public async Task A_tool_server_seeing_the_holder_present_a_delegated_token_reports_no_mismatch()
    {
        var root = await broker.RootAsync();
        var b = await broker.ExchangeAsync(root.AccessToken, B);

        var holder = await broker.Verify.RecordToolUseAsync(
            new RecordToolUseRequest { GrantId = b.Grant.GrantId, Tool = "crm.read", Action = "GET /accounts/1", Outcome = "ok", PresenterWorkloadId = B },
            broker.As(TestPolicy.Tool));

        Assert.That(holder.AnomalyActions, Is.Empty, "B holds the token it presents");
        Assert.That((await IntrospectAsync(b.Grant.AccessToken)).Active, Is.True);

        var stranger = await broker.Verify.RecordToolUseAsync(
            new RecordToolUseRequest { GrantId = b.Grant.GrantId, Tool = "crm.read", Action = "GET /accounts/1", Outcome = "ok", PresenterWorkloadId = D },
            broker.As(TestPolicy.Tool));
        Assert.That(stranger.AnomalyActions, Is.Not.Empty, "anyone else presenting it is still a mismatch");
    }

    [Test]
    public async Task Exchanges_racing_RevokeTask_never_leave_a_live_descendant()
    {
        for (var round = 0; round < 5; round++)
        {
            var root = await broker.RootAsync();
            var b = await broker.ExchangeAsync(root.AccessToken, B);
            var exchanges = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            {
                try
                {
                    return (await broker.ExchangeAsync(i % 2 == 0 ? root.AccessToken : b.Grant.AccessToken, i % 2 == 0 ? B : C)).Grant.AccessToken;
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition)
                {
                    return null;
                }
            })).ToList();
            await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = root.TaskId }, broker.As(TestPolicy.Orchestrator));
            var issued = (await Task.WhenAll(exchanges)).OfType<string>().Append(b.Grant.AccessToken).ToList();

            foreach (var token in issued)
            {
                Assert.That((await IntrospectAsync(token)).Active, Is.False, $"round {round}: a descendant outlived RevokeTask");
            }

            Assert.That(Refused(() => broker.ExchangeAsync(root.AccessToken, B)).StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        }
    }
}
