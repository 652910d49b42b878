using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using StackExchange.Redis;

namespace CredBroker.Server.Tests;

/// <summary>Invariant 8: bad input gets INVALID_ARGUMENT naming the field and changes nothing (checked in Redis itself).</summary>
public sealed class InputValidationTests
{
    private BrokerFixture broker = null!;
    private ConnectionMultiplexer redis = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var endpoint = await SharedRedis.GetEndpointAsync();
        broker = await BrokerFixture.StartAsync(endpoint);
        redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await broker.DisposeAsync();
        await redis.DisposeAsync();
    }

    private static RequestGrantRequest Valid(string taskId) => new() { TaskId = taskId, Purpose = "read a ticket", Tools = { "tickets.read" } };

    public static IEnumerable<TestCaseData> BadRequests()
    {
        TestCaseData Case(string name, string field, Func<string, RequestGrantRequest> make) => new TestCaseData(make, field).SetName("Refused_" + name);

        yield return Case("empty_task_id", "task_id", _ => Valid(string.Empty));
        yield return Case("oversized_task_id", "task_id", t => Valid(t + new string('x', 129)));
        yield return Case("task_id_with_a_slash", "task_id", t => Valid(t + "/../x"));
        yield return Case("missing_purpose", "purpose", t => Valid(t).Also(r => r.Purpose = string.Empty));
        yield return Case("one_MB_purpose", "purpose", t => Valid(t).Also(r => r.Purpose = new string('p', 1024 * 1024)));
        yield return Case("purpose_with_a_newline", "purpose", t => Valid(t).Also(r => r.Purpose = "read\nFAKE AUDIT LINE"));
        yield return Case("no_tools", "tools", t => Valid(t).Also(r => r.Tools.Clear()));
        yield return Case("unknown_tool", "tools[1]", t => Valid(t).Also(r => r.Tools.Add("tickets.delete")));
        yield return Case("malformed_tool_name", "tools[0]", t => Valid(t).Also(r => r.Tools[0] = "Tickets Read"));
        yield return Case("duplicate_tool", "tools[1]", t => Valid(t).Also(r => r.Tools.Add("tickets.read")));
        yield return Case("a_thousand_tools", "tools", t => Valid(t).Also(r => r.Tools.AddRange(Enumerable.Range(0, 999).Select(i => $"tool.n{i}"))));
        yield return Case("more_tools_than_policy_allows", "tools", t => Valid(t).Also(r => r.Tools.AddRange(["tickets.write", "tickets.admin", "repo.read", "tickets.x"])));
        yield return Case("tools_on_two_servers", "tools", t => new RequestGrantRequest { TaskId = t, Purpose = "p", Tools = { "tickets.read", "repo.read" } });
        yield return Case("zero_ttl", "ttl", t => Valid(t).Also(r => r.Ttl = new Duration()));
        yield return Case("negative_ttl", "ttl", t => Valid(t).Also(r => r.Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(-5))));
        yield return Case("sub_second_ttl", "ttl", t => Valid(t).Also(r => r.Ttl = new Duration { Nanos = 500_000_000 }));
        yield return Case("ttl_of_a_year", "ttl", t => Valid(t).Also(r => r.Ttl = Duration.FromTimeSpan(TimeSpan.FromDays(365))));
        yield return Case("too_many_context_entries", "context", t => Valid(t).Also(r => r.Context.Add(Enumerable.Range(0, 33).ToDictionary(i => $"k{i}", i => "v"))));
        yield return Case("oversized_context_value", "context[env]", t => Valid(t).Also(r => r.Context.Add("env", new string('v', 257))));
    }

    [TestCaseSource(nameof(BadRequests))]
    public async Task Bad_grant_request_is_refused_naming_the_field_and_writes_nothing(Func<string, RequestGrantRequest> make, string field)
    {
        var taskId = BrokerFixture.NewTaskId();

        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(make(taskId), broker.As(TestPolicy.Support)));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument), error.Status.Detail);
        Assert.That(error.Status.Detail, Does.StartWith(field + ":"));
        var violation = error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Single();
        Assert.That(violation?.Field, Is.EqualTo(field), "google.rpc.BadRequest names the field too");
        Assert.That(await KeysMentioningAsync(taskId), Is.Empty, "nothing was written for the task");
    }

    [Test]
    public void A_message_over_the_size_limit_is_refused_before_it_is_read()
    {
        var request = Valid(BrokerFixture.NewTaskId());
        request.Purpose = new string('p', 3 * 1024 * 1024);
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(request, broker.As(TestPolicy.Support)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [Test]
    public void Bad_RevokeTask_input_is_refused_naming_the_field()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = string.Empty }, broker.As(TestPolicy.Orchestrator)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.StartWith("task_id:"));

        var reason = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = "t-1", Reason = new string('r', 5000) }, broker.As(TestPolicy.Orchestrator)));
        Assert.That(reason!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(reason.Status.Detail, Does.StartWith("reason:"));
    }

    [Test]
    public void A_malformed_grant_id_is_refused_naming_the_field()
    {
        var error = Assert.ThrowsAsync<RpcException>(async () =>
            await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = "../../etc" }, broker.As(TestPolicy.Operator)));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.StartWith("grant_id:"));
    }

    // Other test assemblies share this Redis, so look only for keys of this test's task.
    private async Task<List<string>> KeysMentioningAsync(string taskId)
    {
        var server = redis.GetServers().Single();
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: $"*{taskId}*"))
        {
            keys.Add(key.ToString());
        }

        return keys;
    }
}

internal static class RequestExtensions
{
    public static T Also<T>(this T value, Action<T> change)
    {
        change(value);
        return value;
    }
}
