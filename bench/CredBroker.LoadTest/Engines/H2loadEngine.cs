using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CredBroker.LoadTest.Scenarios;
using Google.Protobuf;

namespace CredBroker.LoadTest.Engines;

/// <summary>
/// Drives a fixed request with nghttp2's h2load: a prebuilt body (5-byte gRPC frame header plus the
/// protobuf bytes) POSTed over <c>connections</c> cleartext HTTP/2 connections with
/// <c>concurrency / connections</c> streams each. Latencies come from h2load's per-request log.
/// h2load cannot read gRPC trailers, so outcomes come from the broker's own count.
/// </summary>
public static partial class H2loadEngine
{
    public const string Binary = "h2load";

    public static async Task<RunResult> RunAsync(
        string scenario, FixedRequest request, Uri address, int concurrency, int connections, TimeSpan warmup, TimeSpan duration,
        Func<Task<Dictionary<string, long>?>> readStatus)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(readStatus);
        var work = Directory.CreateTempSubdirectory("credbroker-h2load-").FullName;
        try
        {
            var body = Path.Combine(work, "body.bin");
            await File.WriteAllBytesAsync(body, Frame(request.Message));
            var log = Path.Combine(work, "requests.tsv");
            var before = await readStatus();
            var launched = DateTimeOffset.UtcNow;
            var output = await RunH2loadAsync(Arguments(request, address, concurrency, connections, warmup, duration, body, log));
            var after = await readStatus();

            // Requests h2load started during its warm-up are not measured.
            var measuredFrom = (launched + warmup).ToUnixTimeMilliseconds() * 1000;
            var latencies = ReadLog(log, measuredFrom);
            var seconds = duration.TotalSeconds;
            var done = Match(FinishedPattern(), output, "req/s");
            var requests = long.Parse(Match(RequestsPattern(), output, "succeeded"), CultureInfo.InvariantCulture);
            var outcomes = Delta(before, after, request.Path) ?? new Dictionary<string, long> { ["OK (h2load: HTTP only)"] = requests };
            var failed = long.Parse(Match(FailedPattern(), output, "failed"), CultureInfo.InvariantCulture)
                + long.Parse(Match(ErroredPattern(), output, "errored"), CultureInfo.InvariantCulture);
            if (failed > 0)
            {
                outcomes["h2load failed/errored"] = failed;
            }

            return new RunResult(
                scenario, "h2load", concurrency, connections, seconds, requests, double.Parse(done, CultureInfo.InvariantCulture),
                Latency.FromMilliseconds(latencies), outcomes, after is null ? "h2load (HTTP status only)" : "broker (includes warm-up)");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The gRPC length-prefixed message: flag 0 (not compressed), 4-byte big-endian length, the bytes.</summary>
    public static byte[] Frame(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = message.ToByteArray();
        var framed = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(framed, 5);
        return framed;
    }

    public static bool IsInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => File.Exists(Path.Combine(d, Binary)));

    private static List<string> Arguments(FixedRequest request, Uri address, int concurrency, int connections, TimeSpan warmup, TimeSpan duration, string body, string log)
    {
        var streams = (int)Math.Ceiling(concurrency / (double)connections);
        var args = new List<string>
        {
            "-t", "1", "-c", Text(connections), "-m", Text(streams),
            "-D", Text((int)Math.Ceiling(duration.TotalSeconds)),
            "-d", body, "--log-file", log,
            "-H", "content-type: application/grpc", "-H", "te: trailers",
        };
        if (warmup > TimeSpan.Zero)
        {
            args.AddRange(["--warm-up-time", Text((int)Math.Ceiling(warmup.TotalSeconds))]);
        }

        if (request.BearerToken is { } token)
        {
            args.AddRange(["-H", "authorization: Bearer " + token]);
        }

        args.Add(new Uri(address, request.Path).ToString());
        return args;
    }

    private static async Task<string> RunH2loadAsync(List<string> args)
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        args.ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start h2load");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"h2load exited with {process.ExitCode}: {await stderr}{output}");
        }

        return output;
    }

    private static List<double> ReadLog(string log, long measuredFromMicros)
    {
        var latencies = new List<double>();
        foreach (var line in File.ReadLines(log))
        {
            var columns = line.Split('\t');
            if (columns.Length >= 3 && long.TryParse(columns[0], CultureInfo.InvariantCulture, out var startedAt) && startedAt >= measuredFromMicros
                && long.TryParse(columns[2], CultureInfo.InvariantCulture, out var micros))
            {
                latencies.Add(micros / 1000.0);
            }
        }

        return latencies;
    }

    private static Dictionary<string, long>? Delta(Dictionary<string, long>? before, Dictionary<string, long>? after, string path)
    {
        if (before is null || after is null)
        {
            return null;
        }

        var delta = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, count) in after.Where(e => e.Key.StartsWith(path + " ", StringComparison.Ordinal)))
        {
            var added = count - before.GetValueOrDefault(key);
            if (added > 0)
            {
                delta[key[(path.Length + 1)..]] = added;
            }
        }

        return delta;
    }

    private static string Match(Regex pattern, string output, string what) =>
        pattern.Match(output) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"h2load output has no '{what}' figure:\n{output}");

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"finished in [0-9.]+\w*, ([0-9.]+) req/s")]
    private static partial Regex FinishedPattern();

    [GeneratedRegex(@"requests: .* ([0-9]+) succeeded")]
    private static partial Regex RequestsPattern();

    [GeneratedRegex(@"requests: .* ([0-9]+) failed")]
    private static partial Regex FailedPattern();

    [GeneratedRegex(@"requests: .* ([0-9]+) errored")]
    private static partial Regex ErroredPattern();
}
