using CredBroker.LoadTest;
using CredBroker.LoadTest.Broker;
using CredBroker.LoadTest.Scale;

if (args is ["broker", ..])
{
    return await BenchBroker.RunChildAsync(args[1..]);
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    await Console.Error.WriteLineAsync(LoadOptions.Usage);
    return 2;
}

if (options.Scenario == "scale")
{
    await ScaleRun.RunAsync(options, Console.Out);
    return 0;
}

var results = await LoadRunner.RunAsync(options, Console.Out);
// Non-zero when any call failed, so scripts and CI notice.
return results.Any(r => r.Errors > 0) ? 1 : 0;
