using CredBroker.LoadTest.Broker;
using CredBroker.LoadTest.Engines;
using CredBroker.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Health.V1;

namespace CredBroker.LoadTest.Scenarios;

/// <summary>The health <c>Check</c> call: the machine's ceiling for an empty gRPC call on this broker.</summary>
public sealed class CeilingScenario(BenchClients clients) : Scenario("ceiling")
{
    private static readonly HealthCheckRequest Request = new();

    public override FixedRequest Fixed => new("/grpc.health.v1.Health/Check", Request, null);

    public override async Task StepAsync(int worker, CallRecorder recorder, CancellationToken cancellationToken)
    {
        var response = await recorder.CallAsync(() => clients.Health(worker).CheckAsync(Request, cancellationToken: cancellationToken).ResponseAsync);
        if (response is not null && response.Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            recorder.Wrong("not serving");
        }
    }
}

/// <summary>
/// <c>RequestGrant</c> for one task and tool, repeated: every call mints and stores a new grant
/// (the same body is valid again and again, which h2load needs).
/// </summary>
public sealed class RequestGrantScenario(BenchClients clients, string runId) : Scenario("request-grant")
{
    private readonly RequestGrantRequest request = Grant(runId + "-grants");

    public override FixedRequest Fixed => new("/credbroker.v1.GrantService/RequestGrant", request, clients.AgentToken);

    public static RequestGrantRequest Grant(string taskId) => new()
    {
        TaskId = taskId,
        Purpose = "load test",
        Tools = { BenchPolicy.Tools[0] },
        Ttl = Duration.FromTimeSpan(BenchPolicy.GrantTtl),
    };

    public override Task StepAsync(int worker, CallRecorder recorder, CancellationToken cancellationToken) =>
        GrantAsync(clients, worker, recorder, request, cancellationToken);

    public static async Task GrantAsync(BenchClients clients, int worker, CallRecorder recorder, RequestGrantRequest request, CancellationToken cancellationToken)
    {
        var response = await recorder.CallAsync(() => clients.Grants(worker).RequestGrantAsync(request, clients.Agent.WithCancellationToken(cancellationToken)).ResponseAsync);
        if (response is not null && string.IsNullOrEmpty(response.Grant?.AccessToken))
        {
            recorder.Wrong("no token");
        }
    }
}

/// <summary><c>Introspect</c> of one live token, repeated, as a tool server would ask.</summary>
public sealed class IntrospectScenario(BenchClients clients, string token) : Scenario("introspect")
{
    private readonly IntrospectRequest request = new() { Token = token };

    public override FixedRequest Fixed => new("/credbroker.v1.VerifyService/Introspect", request, clients.ToolToken);

    /// <summary>Gets the long-lived token the scenario introspects.</summary>
    public static async Task<IntrospectScenario> CreateAsync(BenchClients clients, string runId)
    {
        ArgumentNullException.ThrowIfNull(clients);
        var grant = RequestGrantScenario.Grant(runId + "-introspect");
        grant.Ttl = Duration.FromTimeSpan(BenchPolicy.IntrospectTtl);
        var response = await clients.Grants(0).RequestGrantAsync(grant, clients.Agent);
        return new IntrospectScenario(clients, response.Grant.AccessToken);
    }

    public override Task StepAsync(int worker, CallRecorder recorder, CancellationToken cancellationToken) =>
        IntrospectAsync(clients, worker, recorder, request, cancellationToken);

    public static async Task IntrospectAsync(BenchClients clients, int worker, CallRecorder recorder, IntrospectRequest request, CancellationToken cancellationToken)
    {
        var response = await recorder.CallAsync(() => clients.Verify(worker).IntrospectAsync(request, clients.Tool.WithCancellationToken(cancellationToken)).ResponseAsync);
        if (response is not null && !response.Active)
        {
            recorder.Wrong("inactive: " + response.Reason);
        }
    }
}

/// <summary>A task's life: <c>OpenTask</c>, <c>RequestGrant</c> ×N, <c>RevokeTask</c>, which must report N grants ended.</summary>
public sealed class TaskChurnScenario(BenchClients clients, string runId, int grantsPerTask) : Scenario("task-churn")
{
    private long next;

    public override Task StepAsync(int worker, CallRecorder recorder, CancellationToken cancellationToken) =>
        ChurnAsync(worker, recorder, grantsPerTask, cancellationToken);

    public async Task ChurnAsync(int worker, CallRecorder recorder, int grants, CancellationToken cancellationToken)
    {
        var taskId = $"{runId}-churn-{Interlocked.Increment(ref next)}";
        var opened = await recorder.CallAsync(() => clients.Tasks(worker).OpenTaskAsync(new OpenTaskRequest
        {
            TaskId = taskId,
            WorkloadId = BenchPolicy.Agent,
            Purpose = "load test",
            Owner = "team-bench",
            Tools = { BenchPolicy.Tools },
            MaxDuration = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)),
        }, clients.Orchestrator.WithCancellationToken(cancellationToken)).ResponseAsync);
        if (opened is null)
        {
            return;
        }

        var request = RequestGrantScenario.Grant(taskId);
        for (var i = 0; i < grants; i++)
        {
            await RequestGrantScenario.GrantAsync(clients, worker, recorder, request, cancellationToken);
        }

        var revoked = await recorder.CallAsync(() => clients.Tasks(worker).RevokeTaskAsync(
            new RevokeTaskRequest { TaskId = taskId, Reason = "load test done" }, clients.Orchestrator.WithCancellationToken(cancellationToken)).ResponseAsync);
        if (revoked is not null && revoked.RevokedGrants != grants)
        {
            recorder.Wrong("revoked_grants");
        }
    }
}

/// <summary>What a busy broker sees: 60% <c>RequestGrant</c>, 30% <c>Introspect</c>, 10% a task's life (open, 3 grants, revoke).</summary>
public sealed class MixedScenario(BenchClients clients, string runId, IntrospectRequest introspect) : Scenario("mixed")
{
    private readonly TaskChurnScenario churn = new(clients, runId + "-mixed", 3);

    public override async Task StepAsync(int worker, CallRecorder recorder, CancellationToken cancellationToken)
    {
        var roll = Random.Shared.Next(100);
        if (roll < 60)
        {
            await RequestGrantScenario.GrantAsync(clients, worker, recorder, RequestGrantScenario.Grant($"{runId}-mixed-w{worker}"), cancellationToken);
        }
        else if (roll < 90)
        {
            await IntrospectScenario.IntrospectAsync(clients, worker, recorder, introspect, cancellationToken);
        }
        else
        {
            await churn.ChurnAsync(worker, recorder, 3, cancellationToken);
        }
    }
}
