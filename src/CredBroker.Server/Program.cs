using CredBroker.Server;

if (args is ["dev", "identity", ..])
{
    return DevIdentityCommand.Run(args[2..]);
}

var app = BrokerHost.Build(args);
await app.RunAsync();
return 0;
