using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>AdminService.ListGrants through gRPC, on both stores: what an operator sees of live grants.</summary>
[TestFixture("memory")]
[TestFixture("redis")]
public sealed class ListGrantsTests(string store)
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync(store == "redis" ? await SharedRedis.GetEndpointAsync() : null);

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private async Task<Grant> GrantAsync(string taskId, string workload, string tool) =>
        (await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "triage", Tools = { tool }, Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(3)) }, broker.As(workload))).Grant;

    private Task<ListGrantsResponse> ListAsync(ListGrantsRequest request) => broker.Admin.ListGrantsAsync(request, broker.As(TestPolicy.Operator)).ResponseAsync;

    [Test]
    public async Task An_operator_lists_a_task_s_live_grants_with_their_fields()
    {
        var taskId = BrokerFixture.NewTaskId();
        var read = await GrantAsync(taskId, TestPolicy.Support, "tickets.read");
        var write = await GrantAsync(taskId, TestPolicy.Support, "tickets.write");
        await broker.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = write.GrantId }, broker.As(TestPolicy.Support));

        var page = await ListAsync(new ListGrantsRequest { TaskId = taskId });

        var info = page.Grants.Single();
        Assert.That(info.GrantId, Is.EqualTo(read.GrantId), "the released grant is not live");
        Assert.That((info.TaskId, info.WorkloadId, info.Owner, info.Purpose, info.Audience), Is.EqualTo((taskId, TestPolicy.Support, "team-support", "triage", "https://tickets.test")));
        Assert.That(info.Tools, Is.EqualTo(new[] { "tickets.read" }));
        Assert.That(info.ExpiresAt, Is.EqualTo(read.ExpiresAt));
        Assert.That(page.NextPageToken, Is.Empty);
    }

    [Test]
    public async Task Filters_by_workload_and_tool_and_pages_with_a_token()
    {
        var tasks = Enumerable.Range(0, 3).Select(_ => BrokerFixture.NewTaskId()).ToList();
        var issued = new List<string>();
        foreach (var taskId in tasks)
        {
            issued.Add((await GrantAsync(taskId, TestPolicy.OtherCoder, "repo.read")).GrantId);
            await GrantAsync(taskId + "-t", TestPolicy.OtherCoder, "tickets.read");
        }

        var seen = new List<string>();
        var token = string.Empty;
        do
        {
            var page = await ListAsync(new ListGrantsRequest { WorkloadId = TestPolicy.OtherCoder, Tool = "repo.read", PageSize = 2, PageToken = token });
            Assert.That(page.Grants, Has.Count.LessThanOrEqualTo(2));
            Assert.That(page.Grants.Select(g => g.Tools.Single()), Is.All.EqualTo("repo.read"));
            seen.AddRange(page.Grants.Select(g => g.GrantId));
            token = page.NextPageToken;
        }
        while (token.Length > 0 && seen.Count < 50);

        Assert.That(seen, Is.EquivalentTo(issued));
    }

    [Test]
    public void Bad_filters_and_tokens_are_INVALID_ARGUMENT_naming_the_field()
    {
        RpcException Refused(ListGrantsRequest request) => Assert.ThrowsAsync<RpcException>(() => ListAsync(request))!;

        Assert.That(Refused(new ListGrantsRequest { PageToken = "not-a-token" }).Status.Detail, Does.StartWith("page_token:"));
        Assert.That(Refused(new ListGrantsRequest { PageSize = -1 }).Status.Detail, Does.StartWith("page_size:"));
        Assert.That(Refused(new ListGrantsRequest { WorkloadId = "support-agent" }).Status.Detail, Does.StartWith("workload_id:"));
        Assert.That(Refused(new ListGrantsRequest { Tool = "Tickets Read" }).Status.Detail, Does.StartWith("tool:"));
        Assert.That(Refused(new ListGrantsRequest { TaskId = "t 1" }).StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
    }
}
