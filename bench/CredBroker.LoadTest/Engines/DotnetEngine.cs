using System.Diagnostics;
using CredBroker.LoadTest.Scenarios;

namespace CredBroker.LoadTest.Engines;

/// <summary>
/// Drives a scenario with the generated .NET client: <c>concurrency</c> workers, each looping over
/// its scenario step, every response checked. Costs about 5× h2load's CPU per call, so on a small
/// machine it understates the broker's throughput; its latencies and error counts are exact.
/// </summary>
public static class DotnetEngine
{
    public static async Task<RunResult> RunAsync(Scenario scenario, int concurrency, int connections, TimeSpan warmup, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var recorders = Enumerable.Range(0, concurrency).Select(_ => new CallRecorder()).ToArray();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => LoopAsync(scenario, i, recorders[i], stop.Token))).ToArray();

        await Task.Delay(warmup);
        foreach (var recorder in recorders)
        {
            recorder.Measuring = true;
        }

        var started = Stopwatch.GetTimestamp();
        await Task.Delay(duration);
        foreach (var recorder in recorders)
        {
            recorder.Measuring = false;
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var outcomes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, count) in recorders.SelectMany(r => r.Outcomes))
        {
            outcomes[key] = outcomes.GetValueOrDefault(key) + count;
        }

        var requests = recorders.Sum(r => (long)r.Ticks.Count);
        return new RunResult(
            scenario.Name, "dotnet", concurrency, connections, seconds, requests, requests / seconds,
            Latency.FromTicks(recorders.SelectMany(r => r.Ticks)), outcomes, "client");
    }

    private static async Task LoopAsync(Scenario scenario, int worker, CallRecorder recorder, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await scenario.StepAsync(worker, recorder, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
