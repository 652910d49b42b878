using System.CommandLine;
using CredBroker.Cli;

namespace CredBroker.Server.Commands;

/// <summary>
/// The broker executable's command tree: <c>serve</c>, <c>dev identity</c> and <c>keys</c>, each on the broker's own
/// configuration, and the offline <c>policy</c> checks on the broker's own policy code. Parsing, output formats and exit codes are the credbroker CLI's, so both tools behave alike.
/// </summary>
public static class BrokerCommands
{
    public const string Name = "credbroker-server";

    /// <summary>First arguments that select the command tree; anything else runs the broker as before (settings only).</summary>
    public static bool Selects(string[] args) =>
        args is [("serve" or "dev" or "keys" or "policy" or "--help" or "-h" or "-?" or "--version"), ..];

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("credbroker-server: the CredBroker broker. Run it (serve, also the default with no command), print dev identities, list and rotate its signing keys, check, test and explain a policy file offline.")
        {
            ServeCommands.Serve(),
            ServeCommands.Dev(),
            KeyCommands.Create(),
            PolicyCommands.Create(),
        };
        root.HelpName = Name;
        root.Options.Add(GlobalOptions.Output);
        return root;
    }
}
