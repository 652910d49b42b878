using System.Diagnostics;
using Grpc.Core;

namespace CredBroker.LoadTest.Engines;

/// <summary>One worker's record of its calls: latency of each, and how each ended. Not shared between workers.</summary>
public sealed class CallRecorder
{
    private readonly List<long> ticks = new(capacity: 16 * 1024);
    private readonly Dictionary<string, long> outcomes = new(StringComparer.Ordinal);

    /// <summary>False during warm-up: calls run but are not recorded.</summary>
    public bool Measuring { get; set; }

    public IReadOnlyList<long> Ticks => ticks;

    public IReadOnlyDictionary<string, long> Outcomes => outcomes;

    /// <summary>Times one call; a gRPC error is recorded by its status code and swallowed, so the worker keeps going.</summary>
    public async Task<T?> CallAsync<T>(Func<Task<T>> call)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(call);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await call().ConfigureAwait(false);
            Record(started, StatusCode.OK.ToString());
            return response;
        }
        catch (RpcException e)
        {
            Record(started, e.StatusCode.ToString());
            return null;
        }
    }

    /// <summary>A call that returned OK but said the wrong thing (e.g. an inactive token): counted as an error.</summary>
    public void Wrong(string what)
    {
        if (Measuring)
        {
            outcomes[StatusCode.OK.ToString()]--;
            outcomes["wrong: " + what] = outcomes.GetValueOrDefault("wrong: " + what) + 1;
        }
    }

    private void Record(long started, string outcome)
    {
        if (!Measuring)
        {
            return;
        }

        ticks.Add(Stopwatch.GetTimestamp() - started);
        outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
    }
}
