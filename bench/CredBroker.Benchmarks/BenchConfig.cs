using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace CredBroker.Benchmarks;

/// <summary>
/// BenchmarkDotNet's defaults (console log, markdown and CSV results under BenchmarkDotNet.Artifacts),
/// with every benchmark run in this process (the in-process emit toolchain): the project it would
/// otherwise generate is built under the repository's Directory.Build.props (warnings as errors,
/// central package versions), which it is not written for. Ratios against each class's baseline are
/// what the targets are stated in.
/// </summary>
public static class BenchConfig
{
    /// <param name="job">BenchmarkDotNet's default job; <c>--short</c>: its short run (3 warm-ups, 3 iterations);
    /// <c>--dry</c>: one invocation each, to check they all run (its figures mean nothing).</param>
    public static IConfig Create(string job = "default") => ManualConfig.Create(DefaultConfig.Instance)
        .AddJob((job switch { "dry" => Job.Dry, "short" => Job.ShortRun, _ => Job.Default }).WithToolchain(InProcessEmitToolchain.Instance))
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumn(BaselineRatioColumn.RatioMean);
}
