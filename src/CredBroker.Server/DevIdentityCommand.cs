using CredBroker.Core.Identity;
using CredBroker.Core.SigningKeys;
using CredBroker.Server.Startup;
using Microsoft.Extensions.Options;

namespace CredBroker.Server;

/// <summary>
/// The dev issuer of the broker a configuration describes, for <c>credbroker-server dev identity &lt;spiffe-id&gt; [--ttl 1h]</c>
/// (<see cref="Commands.ServeCommands.Dev"/>): the same key directory and audience as the broker run beside it.
/// </summary>
public static class DevIdentityCommand
{
    /// <summary>
    /// An identity token for <paramref name="spiffeId"/> from the dev issuer of the broker that
    /// <paramref name="hostArgs"/> configure, with the key directory it came from; no token, and the
    /// reason, when dev identities are off. Throws what the broker's start would (see <see cref="StartupFailure"/>).
    /// </summary>
    public static DevIdentity Issue(string spiffeId, TimeSpan ttl, string[] hostArgs, bool verbose = false)
    {
        using var app = BrokerStartup.Build(hostArgs, verbose);
        var keyDirectory = app.Services.GetRequiredService<IOptions<SigningKeyOptions>>().Value.KeyDirectory;
        var issuer = app.Services.GetService<DevIdentityIssuer>();
        return issuer is null
            ? new DevIdentity(null, keyDirectory, "dev identities are off; they are on in the Development environment (pass --dev) or with CredBroker__DevIdentities=true")
            : new DevIdentity(issuer.Issue(spiffeId, ttl), keyDirectory, null);
    }
}

/// <summary>What <see cref="DevIdentityCommand.Issue"/> produced: the token, or why there is none.</summary>
public sealed record DevIdentity(string? Token, string KeyDirectory, string? Problem);
