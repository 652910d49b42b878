using CredBroker.Server;
using CredBroker.Server.Startup;

if (args is ["dev", "identity", ..])
{
    return DevIdentityCommand.Run(args[2..]);
}

var (hostArgs, verbose) = BrokerStartup.ReadArgs(args);
return await BrokerStartup.ServeAsync(hostArgs, verbose, Console.Error);
