using System.Reflection;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>
/// Every Duration in a request: a malformed one (nanos out of range, nanos against the sign of seconds)
/// is INVALID_ARGUMENT naming the field, never UNKNOWN with a stack trace in the log; one of nearly
/// int64-max seconds is refused with the field's real limit; and nothing changes.
/// </summary>
public sealed class DurationInputTests
{
    private const string Quarantined = "spiffe://test.local/agents/coding/durations";

    private static readonly string[] Covered = ["ExchangeGrantRequest.ttl", "OpenTaskRequest.max_duration", "RequestGrantRequest.ttl", "RevokeToolRequest.duration", "RevokeWorkloadRequest.quarantine"];

    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    public static IEnumerable<TestCaseData> Malformed()
    {
        var shapes = new (string Name, Duration Value, string Says)[]
        {
            ("nanos_of_a_whole_second", new Duration { Seconds = 60, Nanos = 1_000_000_000 }, "nanos must be between"),
            ("nanos_at_int32_max", new Duration { Seconds = 0, Nanos = int.MaxValue }, "nanos must be between"),
            ("negative_nanos_with_positive_seconds", new Duration { Seconds = 60, Nanos = -1 }, "sign of seconds"),
            ("positive_nanos_with_negative_seconds", new Duration { Seconds = -60, Nanos = 1 }, "sign of seconds"),
        };
        foreach (var (name, value, says) in shapes)
        {
            yield return new TestCaseData("ttl", value, says).SetName($"ttl_with_{name}_is_INVALID_ARGUMENT");
            yield return new TestCaseData("max_duration", value, says).SetName($"max_duration_with_{name}_is_INVALID_ARGUMENT");
            yield return new TestCaseData("quarantine", value, says).SetName($"quarantine_with_{name}_is_INVALID_ARGUMENT");
            yield return new TestCaseData("duration", value, says).SetName($"tool_revocation_duration_with_{name}_is_INVALID_ARGUMENT");
        }

        var huge = new Duration { Seconds = long.MaxValue - 1, Nanos = 999_999_999 };
        yield return new TestCaseData("ttl", huge, "must be at most 24h").SetName("ttl_near_int64_max_names_the_24h_ceiling");
        yield return new TestCaseData("max_duration", huge, "(limits.maxTaskDuration)").SetName("max_duration_near_int64_max_names_the_policy_limit");
        yield return new TestCaseData("quarantine", huge, "between 1s and 30d").SetName("quarantine_near_int64_max_names_the_30d_limit");
        yield return new TestCaseData("duration", huge, "between 1s and 30d").SetName("tool_revocation_duration_near_int64_max_names_the_30d_limit");
        yield return new TestCaseData("ttl", new Duration { Seconds = long.MinValue }, "at least 1s").SetName("ttl_near_int64_min_names_the_1s_floor");
    }

    [TestCaseSource(nameof(Malformed))]
    public async Task Malformed_or_huge_Duration_is_refused_naming_the_field_and_changes_nothing(string field, Duration value, string says)
    {
        var taskId = BrokerFixture.NewTaskId();
        var error = Assert.ThrowsAsync<RpcException>(async () => await CallAsync(field, value, taskId));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument), error.Status.Detail);
        Assert.That(error.Status.Detail, Does.StartWith(field + ":").And.Contain(says));
        Assert.That(error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Single().Field, Is.EqualTo(field));

        // Nothing changed: the task was not opened, the workload was not quarantined, the tool not revoked.
        var missing = Assert.ThrowsAsync<RpcException>(async () => await broker.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator)));
        Assert.That(missing!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        var grant = await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "p", Tools = { "tickets.read" } }, broker.As(Quarantined));
        Assert.That(grant.Grant, Is.Not.Null);
    }

    /// <summary>ExchangeGrantRequest.ttl takes the same cases as RequestGrantRequest.ttl.</summary>
    public static IEnumerable<TestCaseData> MalformedExchangeTtl() =>
        Malformed().Where(c => (string)c.Arguments[0]! == "ttl").Select(c => new TestCaseData(c.Arguments[1], c.Arguments[2]).SetName("exchange_" + c.TestName));

    [TestCaseSource(nameof(MalformedExchangeTtl))]
    public void Malformed_or_huge_ExchangeGrant_ttl_is_refused_naming_the_field(Duration value, string says)
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.ExchangeGrantAsync(
            new ExchangeGrantRequest { SubjectToken = "x", Purpose = "p", Tools = { "tickets.read" }, Ttl = value }, broker.As(TestPolicy.Support)));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument), error.Status.Detail);
        Assert.That(error.Status.Detail, Does.StartWith("ttl:").And.Contain(says));
        Assert.That(error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Single().Field, Is.EqualTo("ttl"));
    }

    [Test]
    public void Every_Duration_field_of_a_request_is_covered_here()
    {
        var durations = typeof(RequestGrantRequest).Assembly.GetTypes()
            .Where(t => typeof(IMessage).IsAssignableFrom(t) && t.Name.EndsWith("Request", StringComparison.Ordinal))
            .Select(t => (MessageDescriptor)t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)
            .SelectMany(d => d.Fields.InDeclarationOrder().Where(f => f.FieldType == FieldType.Message && f.MessageType.FullName == Duration.Descriptor.FullName).Select(f => $"{d.Name}.{f.Name}"))
            .Order(StringComparer.Ordinal);
        Assert.That(durations, Is.EqualTo(Covered), "a new Duration field needs its cases in Malformed() and a field name in its mapping");
    }

    private async Task CallAsync(string field, Duration value, string taskId)
    {
        switch (field)
        {
            case "ttl":
                await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "p", Tools = { "tickets.read" }, Ttl = value }, broker.As(TestPolicy.Support));
                break;
            case "max_duration":
                await broker.Tasks.OpenTaskAsync(
                    new OpenTaskRequest { TaskId = taskId, WorkloadId = TestPolicy.Support, Purpose = "p", Owner = "alice@example.org", Tools = { "tickets.read" }, MaxDuration = value },
                    broker.As(TestPolicy.Orchestrator));
                break;
            case "duration":
                await broker.Admin.RevokeToolAsync(new RevokeToolRequest { Tool = "tickets.read", Reason = "test", Duration = value }, broker.As(TestPolicy.Operator));
                break;
            default:
                await broker.Admin.RevokeWorkloadAsync(new RevokeWorkloadRequest { WorkloadId = Quarantined, Reason = "test", Quarantine = value }, broker.As(TestPolicy.Operator));
                break;
        }
    }
}
