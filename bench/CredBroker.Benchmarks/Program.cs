using BenchmarkDotNet.Running;
using CredBroker.Benchmarks;

// dotnet run -c Release --project bench/CredBroker.Benchmarks -- --filter '*'   (add --dry to only check that each one runs)
var dry = args.Contains("--dry");
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args.Where(a => a != "--dry").ToArray(), BenchConfig.Create(dry));
