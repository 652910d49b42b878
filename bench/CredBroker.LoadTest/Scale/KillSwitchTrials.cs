using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using CredBroker.Core.Tokens;
using CredBroker.LoadTest.Broker;
using CredBroker.LoadTest.Engines;
using CredBroker.LoadTest.Scenarios;
using CredBroker.Protocol.V1;
using Grpc.Core;

namespace CredBroker.LoadTest.Scale;

/// <summary>
/// Engage, observe, release, over and over: how long <c>EngageKillSwitch</c> takes, what it writes to
/// Redis, and how long after it returns a connected <c>WatchRevocations</c> watcher receives the rule
/// (<c>WatchRevocations</c>) and the tool-side verifier library (<see cref="BenchVerifier"/>) refuse a token
/// that was live a moment before, and how soon <c>Introspect</c> calls it inactive.
/// </summary>
public static class KillSwitchTrials
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public sealed record Summary(
        int Trials,
        Latency EngageMs,
        Latency WatcherDelayMs,
        int WatcherBeforeReturn,
        Latency IntrospectRejectMs,
        Latency VerifierRejectMs,
        IReadOnlyDictionary<string, long> EngageCommands,
        long EngageWrites);

    public static async Task<Summary> RunAsync(BenchClients clients, BenchVerifier verifier, RedisInfo info, string runId, int trials, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(output);
        using var stop = new CancellationTokenSource();
        var events = Channel.CreateUnbounded<(RevocationEvent Event, long At)>();
        using var watch = clients.Verify(0).WatchRevocations(new WatchRevocationsRequest(), clients.Tool.WithCancellationToken(stop.Token));
        var reader = ReadAsync(watch.ResponseStream, events.Writer, stop.Token);

        var engage = new List<double>();
        var watcher = new List<double>();
        var introspect = new List<double>();
        var verifierDelays = new List<double>();
        var beforeReturn = 0;
        Dictionary<string, long> firstCommands = [];
        for (var t = 0; t < trials; t++)
        {
            // A token live now (after the previous release: the broker waits out the lift's second).
            var grant = await clients.Grants(0).RequestGrantAsync(RequestGrantScenario.Grant($"{runId}-ks-{t}"), clients.Agent);
            var check = new IntrospectRequest { Token = grant.Grant.AccessToken };
            if (!(await clients.Verify(0).IntrospectAsync(check, clients.Tool)).Active)
            {
                throw new InvalidOperationException($"trial {t}: the fresh token is not active before the kill switch");
            }

            if (await verifier.Verifier.ValidateAsync(check.Token, BenchPolicy.Tools[0]) is { IsValid: false } early)
            {
                throw new InvalidOperationException($"trial {t}: the verifier refuses the fresh token before the kill switch: {early.Message}");
            }

            while (events.Reader.TryRead(out _))
            {
                // Anything already delivered (replayed rules, the previous lift) is not this trial's.
            }

            var reason = $"scale trial {t}";
            // Counted from the second engagement on (the first also loads the script: SCRIPT LOAD, EVAL),
            // and the engagement with the fewest writes is reported: the broker's once-a-second
            // maintenance (generation check, log trim) can land inside any one window.
            var calls = t >= Math.Min(1, trials - 1) ? await info.CommandCallsAsync() : null;
            var started = Stopwatch.GetTimestamp();
            await clients.Admin(0).EngageKillSwitchAsync(new KillSwitchRequest { Reason = reason }, clients.Operator);
            var returned = Stopwatch.GetTimestamp();
            engage.Add(Stopwatch.GetElapsedTime(started, returned).TotalMilliseconds);

            // The verifier decides locally: ask it until its revocation cache has the rule.
            while ((await verifier.Verifier.ValidateAsync(check.Token, BenchPolicy.Tools[0])).Failure != TokenFailure.Revoked)
            {
                if (Stopwatch.GetElapsedTime(returned) > Patience)
                {
                    throw new TimeoutException($"trial {t}: the verifier still accepts the token {Patience.TotalSeconds:0}s after EngageKillSwitch returned");
                }

                await Task.Yield();
            }

            verifierDelays.Add(Stopwatch.GetElapsedTime(returned).TotalMilliseconds);
            var introspected = Stopwatch.GetTimestamp();
            var answer = await clients.Verify(0).IntrospectAsync(check, clients.Tool);
            introspect.Add(Stopwatch.GetElapsedTime(introspected).TotalMilliseconds);
            if (answer.Active)
            {
                throw new InvalidOperationException($"trial {t}: Introspect still calls the token active after EngageKillSwitch returned");
            }

            if (calls is not null)
            {
                var delta = RedisInfo.Delta(calls, await info.CommandCallsAsync());
                if (firstCommands.Count == 0 || Writes(delta) < Writes(firstCommands))
                {
                    firstCommands = delta;
                }
            }

            var seen = await WaitForAsync(events.Reader, e => e.Kind == RevocationKind.All && e.LiftedAt is null && e.Reason == reason, t);
            watcher.Add(Math.Max(0, Stopwatch.GetElapsedTime(returned, seen).TotalMilliseconds));
            beforeReturn += seen < returned ? 1 : 0;

            await clients.Admin(0).ReleaseKillSwitchAsync(new KillSwitchRequest { Reason = reason }, clients.Operator);
            await WaitForAsync(events.Reader, e => e.Kind == RevocationKind.All && e.LiftedAt is not null, t);
        }

        await stop.CancelAsync();
        await reader;
        // INFO itself is in the delta; reads are the feed, Introspect and the verifier's checks.
        var writes = Writes(firstCommands);
        var summary = new Summary(trials, Latency.FromMilliseconds(engage), Latency.FromMilliseconds(watcher), beforeReturn,
            Latency.FromMilliseconds(introspect), Latency.FromMilliseconds(verifierDelays), firstCommands, writes);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"kill switch: EngageKillSwitch p50 {summary.EngageMs.P50:0.000} ms p99 {summary.EngageMs.P99:0.000} ms max {summary.EngageMs.Max:0.000} ms over {trials} trials"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"kill switch: watcher sees the rule after EngageKillSwitch returns: p50 {summary.WatcherDelayMs.P50:0.000} ms p99 {summary.WatcherDelayMs.P99:0.000} ms max {summary.WatcherDelayMs.Max:0.000} ms ({beforeReturn} of {trials} arrived before the call returned)"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"kill switch: verifier (CredBroker.Verifier) refuses the token after EngageKillSwitch returns: p50 {summary.VerifierRejectMs.P50:0.000} ms p99 {summary.VerifierRejectMs.P99:0.000} ms max {summary.VerifierRejectMs.Max:0.000} ms"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"kill switch: Introspect (asked once the verifier refused) answers inactive in p50 {summary.IntrospectRejectMs.P50:0.000} ms p99 {summary.IntrospectRejectMs.P99:0.000} ms"));
        await output.WriteLineAsync($"kill switch: one engagement's Redis commands (INFO commandstats delta, the quietest of {Math.Max(1, trials - 1)}): {string.Join(", ", firstCommands.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"))}; data writes {writes}");
        return summary;
    }

    private static long Writes(Dictionary<string, long> commands) => commands.Where(c => RedisInfo.Writes.Contains(c.Key)).Sum(c => c.Value);

    private static async Task<long> WaitForAsync(ChannelReader<(RevocationEvent Event, long At)> reader, Func<RevocationEvent, bool> wanted, int trial)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            while (true)
            {
                var (e, at) = await reader.ReadAsync(timeout.Token);
                if (wanted(e))
                {
                    return at;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"trial {trial}: the watcher received no kill-switch event within {Patience.TotalSeconds:0}s");
        }
    }

    private static async Task ReadAsync(IAsyncStreamReader<RevocationEvent> stream, ChannelWriter<(RevocationEvent, long)> writer, CancellationToken stop)
    {
        try
        {
            while (await stream.MoveNext(stop))
            {
                var at = Stopwatch.GetTimestamp();
                if (!stream.Current.KeepAlive)
                {
                    writer.TryWrite((stream.Current, at));
                }
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && stop.IsCancellationRequested)
        {
            // Stopped by the run.
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped by the run.
        }
        finally
        {
            writer.TryComplete();
        }
    }
}
