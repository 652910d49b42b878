using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using CredBroker.LoadTest.Engines;

namespace CredBroker.LoadTest;

/// <summary>Prints runs as a table (one line per run, the figures the issue asks for) and serialises them.</summary>
public static class Report
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Print(IEnumerable<RunResult> results, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"scenario",-14} {"engine",-6} {"conc",4} {"conn",4} {"req/s",10} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"max ms",8} {"of ceiling",10} {"p99/ceil",8} {"rss MB",7}  outcomes"));
        foreach (var r in results)
        {
            var fraction = r.FractionOfCeiling is { } f ? f.ToString("P1", CultureInfo.InvariantCulture) : "-";
            var p99 = r.P99OverCeiling is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
            var rss = r.BrokerResidentMaxBytes is { } b ? (b / 1048576.0).ToString("0", CultureInfo.InvariantCulture) : "-";
            var outcomes = string.Join(", ", r.Outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key}={o.Value}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Scenario,-14} {r.Engine,-6} {r.Concurrency,4} {r.Connections,4} {r.RequestsPerSecond,10:0.0} {r.Latency.P50,8:0.000} {r.Latency.P90,8:0.000} {r.Latency.P99,8:0.000} {r.Latency.Max,8:0.000} {fraction,10} {p99,8} {rss,7}  {outcomes} [{r.OutcomeSource}; errors {r.Errors}]"));
        }
    }

    /// <summary>What the numbers were measured on.</summary>
    public static object Machine() => new
    {
        cores = Environment.ProcessorCount,
        cpu = CpuModel(),
        os = RuntimeInformation.OSDescription,
        runtime = RuntimeInformation.FrameworkDescription,
        utc = DateTimeOffset.UtcNow,
    };

    public static string CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        var line = File.Exists(cpuinfo) ? File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }
}
