using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>OpenTask fences a task; grants must then fall inside its workload, envelope and deadline.</summary>
[TestFixture("memory")]
[TestFixture("redis")]
public sealed class TaskEnvelopeTests(string store)
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync(store == "redis" ? await SharedRedis.GetEndpointAsync() : null);

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private async Task<TaskInfo> OpenAsync(string taskId, string workload = TestPolicy.Support, TimeSpan? duration = null, params string[] tools) =>
        await broker.Tasks.OpenTaskAsync(
            new OpenTaskRequest
            {
                TaskId = taskId,
                WorkloadId = workload,
                Purpose = "answer ticket 42",
                Owner = "alice@example.org",
                Tools = { tools.Length == 0 ? ["tickets.read"] : tools },
                MaxDuration = Duration.FromTimeSpan(duration ?? TimeSpan.FromMinutes(30)),
            },
            broker.As(TestPolicy.Orchestrator));

    private async Task<Grant> GrantAsync(string taskId, string workload = TestPolicy.Support, string tool = "tickets.read") =>
        (await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "p", Tools = { tool }, Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) }, broker.As(workload))).Grant;

    private static RpcException Refused(Func<Task> call) => Assert.ThrowsAsync<RpcException>(async () => await call())!;

    [Test]
    public async Task Grants_for_an_opened_task_stay_inside_its_envelope_and_workload()
    {
        var taskId = BrokerFixture.NewTaskId();
        var opened = await OpenAsync(taskId);
        Assert.That(opened.State, Is.EqualTo(TaskState.Open));
        Assert.That(opened.Deadline.ToDateTimeOffset() - opened.OpenedAt.ToDateTimeOffset(), Is.EqualTo(TimeSpan.FromMinutes(30)));

        var inside = await GrantAsync(taskId);
        var outside = Refused(() => GrantAsync(taskId, tool: "tickets.write"));
        var stranger = Refused(() => GrantAsync(taskId, TestPolicy.Coder));

        Assert.That(inside.TaskId, Is.EqualTo(taskId));
        Assert.That(outside.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(outside.Status.Detail, Is.EqualTo($"tool 'tickets.write' is outside the envelope of task {taskId}"));
        Assert.That(stranger.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(stranger.Status.Detail, Is.EqualTo($"task {taskId} is not yours"), "the owner is never named to another workload");
    }

    [Test]
    public async Task No_grant_outlives_its_task_deadline()
    {
        var taskId = BrokerFixture.NewTaskId();
        var opened = await OpenAsync(taskId, duration: TimeSpan.FromSeconds(90));

        var grant = await GrantAsync(taskId);

        Assert.That(grant.ExpiresAt.Seconds, Is.EqualTo(opened.Deadline.Seconds), "5 minutes asked, cut at the 90 s deadline");
    }

    [Test]
    public async Task Without_an_open_the_first_workload_to_use_a_task_owns_it()
    {
        var taskId = BrokerFixture.NewTaskId();
        await GrantAsync(taskId, TestPolicy.Coder, "repo.read");

        var other = Refused(() => GrantAsync(taskId, TestPolicy.OtherCoder, "repo.read"));
        var open = Refused(() => OpenAsync(taskId, TestPolicy.Coder, tools: "repo.read"));

        Assert.That(other.Status.Detail, Is.EqualTo($"task {taskId} is not yours"), "the owner is never named to another workload");
        Assert.That(open.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(open.Status.Detail, Does.Contain("already in use"));
    }

    [Test]
    public async Task A_workload_that_requires_open_tasks_is_refused_until_one_is_opened()
    {
        var taskId = BrokerFixture.NewTaskId();
        var unopened = Refused(() => GrantAsync(taskId, TestPolicy.Fenced));
        Assert.That(unopened.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(unopened.Status.Detail, Does.Contain("requireOpenTask"));

        await OpenAsync(taskId, TestPolicy.Fenced);
        Assert.That((await GrantAsync(taskId, TestPolicy.Fenced)).TaskId, Is.EqualTo(taskId));
    }

    [Test]
    public async Task GetTask_shows_the_fence_live_grants_and_revocation()
    {
        var taskId = BrokerFixture.NewTaskId();
        await OpenAsync(taskId, tools: ["tickets.read", "tickets.write"]);
        await GrantAsync(taskId);
        await GrantAsync(taskId, tool: "tickets.write");

        var open = await broker.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));
        var revoked = await broker.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));

        Assert.That(open.State, Is.EqualTo(TaskState.Open));
        Assert.That(open.LiveGrants, Is.EqualTo(2));
        Assert.That(open.Tools, Is.EqualTo(new[] { "tickets.read", "tickets.write" }));
        Assert.That(open.Owner, Is.EqualTo("alice@example.org"));
        Assert.That(revoked.State, Is.EqualTo(TaskState.Revoked));
        Assert.That(revoked.LiveGrants, Is.Zero);
        Assert.That(revoked.RevokedAt, Is.Not.Null);
        var missing = Refused(async () => await broker.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = BrokerFixture.NewTaskId() }, broker.As(TestPolicy.Orchestrator)));
        Assert.That(missing.StatusCode, Is.EqualTo(StatusCode.NotFound));
    }

    [Test]
    public async Task OpenTask_refuses_an_envelope_policy_would_not_allow_and_bad_input()
    {
        var taskId = BrokerFixture.NewTaskId();
        var notAllowed = Refused(() => OpenAsync(taskId, tools: "tickets.admin"));
        var unknown = Refused(() => OpenAsync(taskId, tools: ["tickets.read", "tickets.delete"]));
        var badWorkload = Refused(() => OpenAsync(taskId, "support-agent"));
        var tooLong = Refused(() => OpenAsync(taskId, duration: TimeSpan.FromDays(3)));

        Assert.That(notAllowed.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(notAllowed.Status.Detail, Is.EqualTo($"policy rule 'support-agent' does not allow tool 'tickets.admin' for task {taskId}"));
        Assert.That(unknown.Status.Detail, Does.StartWith("tools[1]:"));
        Assert.That(badWorkload.Status.Detail, Does.StartWith("workload_id:"));
        Assert.That(tooLong.Status.Detail, Does.StartWith("max_duration:"));
        Assert.That(new[] { unknown.StatusCode, badWorkload.StatusCode, tooLong.StatusCode }, Is.All.EqualTo(StatusCode.InvalidArgument));
        await OpenAsync(taskId);
        Assert.That(Refused(() => OpenAsync(taskId)).Status.Detail, Does.Contain("already open"), "nothing was written by the refusals; a second open is refused");
    }
}
