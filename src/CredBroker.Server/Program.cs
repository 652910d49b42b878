using CredBroker.Cli;
using CredBroker.Cli.Output;
using CredBroker.Server.Commands;
using CredBroker.Server.Startup;

if (BrokerCommands.Selects(args))
{
    var noColor = Environment.GetEnvironmentVariable("NO_COLOR");
    return await CliApp.RunAsync(
        BrokerCommands.CreateRoot(),
        args,
        Colour.For(Console.Out, Console.IsOutputRedirected, noColor),
        Colour.For(Console.Error, Console.IsErrorRedirected, noColor));
}

var (hostArgs, verbose) = BrokerStartup.ReadArgs(args);
return await BrokerStartup.ServeAsync(hostArgs, verbose, Console.Error);
