using System.Globalization;
using System.Text.RegularExpressions;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>GET /metrics shows Prometheus text whose counters move with real calls.</summary>
public sealed partial class MetricsTests
{
    private BrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task Start() => broker = await BrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await broker.DisposeAsync();

    private async Task<string> ScrapeAsync()
    {
        using var response = await broker.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.That(response.IsSuccessStatusCode, Is.True, response.StatusCode.ToString());
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the first sample of <paramref name="name"/> whose labels contain every one given; 0 when absent.</summary>
    private static double Sample(string text, string name, params string[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            var match = SampleLine().Match(line);
            if (match.Success && match.Groups["name"].Value == name && labels.All(l => match.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>[0-9.eE+-]+)")]
    private static partial Regex SampleLine();

    [Test]
    public async Task Grant_revocation_and_latency_metrics_move_after_real_calls()
    {
        var before = await ScrapeAsync();
        var taskId = BrokerFixture.NewTaskId();
        await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "read", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support));
        await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "read", Tools = { "tickets.write" } }, broker.As(TestPolicy.Support));
        Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId, Purpose = "read", Tools = { "repo.read" } }, broker.As(TestPolicy.Support)));
        var live = Sample(await ScrapeAsync(), "credbroker_grants_live");
        await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId }, broker.As(TestPolicy.Orchestrator));

        var after = await ScrapeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(Sample(after, "credbroker_grants_total", "outcome=\"issued\""), Is.EqualTo(Sample(before, "credbroker_grants_total", "outcome=\"issued\"") + 2));
            Assert.That(Sample(after, "credbroker_grants_total", "outcome=\"refused\"", "reason=\"permission_denied\""), Is.EqualTo(Sample(before, "credbroker_grants_total", "outcome=\"refused\"", "reason=\"permission_denied\"") + 1));
            Assert.That(Sample(after, "credbroker_revocations_total", "kind=\"task\""), Is.EqualTo(Sample(before, "credbroker_revocations_total", "kind=\"task\"") + 1));
            Assert.That(Sample(after, "credbroker_decision_duration_seconds_count", "outcome=\"issued\""), Is.EqualTo(Sample(before, "credbroker_decision_duration_seconds_count", "outcome=\"issued\"") + 2));
            Assert.That(live, Is.GreaterThanOrEqualTo(2), "two live grants before the task was revoked");
            Assert.That(Sample(after, "credbroker_grants_live"), Is.EqualTo(live - 2), "the task's grants are no longer live");
        });
    }
}
