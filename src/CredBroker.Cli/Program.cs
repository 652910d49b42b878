using CredBroker.Cli;
using CredBroker.Cli.Output;

var noColor = Environment.GetEnvironmentVariable("NO_COLOR");
return await CliApp.RunAsync(
    args,
    Colour.For(Console.Out, Console.IsOutputRedirected, noColor),
    Colour.For(Console.Error, Console.IsErrorRedirected, noColor));
