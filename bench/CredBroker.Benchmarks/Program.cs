using BenchmarkDotNet.Running;
using CredBroker.Benchmarks;

// dotnet run -c Release --project bench/CredBroker.Benchmarks -- --filter '*' [--short | --dry]
var job = args.Contains("--dry") ? "dry" : args.Contains("--short") ? "short" : "default";
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args.Where(a => a is not "--dry" and not "--short").ToArray(), BenchConfig.Create(job));
