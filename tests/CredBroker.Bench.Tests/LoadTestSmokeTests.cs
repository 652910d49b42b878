using CredBroker.LoadTest;
using CredBroker.Testing.Redis;

namespace CredBroker.Bench.Tests;

/// <summary>
/// The load generator end to end, briefly: a real broker on loopback driven by the .NET engine,
/// every call checked (a grant must carry a token, a live token must introspect active, RevokeTask
/// must count the task's grants). Throughput and latency are printed, never asserted.
/// </summary>
[TestFixture]
public sealed class LoadTestSmokeTests
{
    [TestCase("mixed")]
    [TestCase("task-churn")]
    [TestCase("request-grant")]
    [TestCase("introspect")]
    [TestCase("token-endpoint")]
    public async Task Two_second_run_on_the_memory_store_makes_no_errors(string scenario)
    {
        var results = await RunAsync(scenario, redis: null);

        AssertClean(results, scenario);
    }

    [Test]
    public async Task Two_second_mixed_run_on_redis_makes_no_errors()
    {
        var results = await RunAsync("mixed", await SharedRedis.GetEndpointAsync());

        AssertClean(results, "mixed");
    }

    private static async Task<IReadOnlyList<CredBroker.LoadTest.Engines.RunResult>> RunAsync(string scenario, string? redis)
    {
        var options = LoadOptions.Parse([scenario, "--engine", "dotnet", "--concurrency", "4", "--connections", "2", "--duration", "2s", "--warmup", "0s"])
            with { Store = redis is null ? "memory" : "redis", Redis = redis };
        using var output = new StringWriter();
        var results = await LoadRunner.RunAsync(options, output);
        await TestContext.Out.WriteLineAsync(output.ToString());
        return results;
    }

    private static void AssertClean(IReadOnlyList<CredBroker.LoadTest.Engines.RunResult> results, string scenario)
    {
        Assert.That(results.Select(r => r.Scenario), Is.EqualTo(new[] { "ceiling", scenario }));
        foreach (var result in results)
        {
            Assert.That(result.Outcomes.Where(o => o.Key != "OK"), Is.Empty, $"{result.Scenario}: calls that failed");
            Assert.That(result.Requests, Is.GreaterThan(0), $"{result.Scenario}: no call completed");
            Assert.That(result.Outcomes.GetValueOrDefault("OK"), Is.EqualTo(result.Requests), $"{result.Scenario}: every timed call is counted once");
        }
    }
}
