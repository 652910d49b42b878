using CredBroker.Core.Identity;
using CredBroker.Core.Policy;
using CredBroker.Core.SigningKeys;
using CredBroker.Server.Startup;
using Microsoft.Extensions.Options;

namespace CredBroker.Server;

/// <summary>
/// <c>dev identity &lt;spiffe-id&gt; [--ttl 1h]</c>: prints an identity token from the local dev issuer,
/// using the same configuration (key directory, audience) as the broker it is run beside.
/// </summary>
public static class DevIdentityCommand
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var ttl = TimeSpan.FromHours(1);
        var rest = new List<string>();
        string? spiffeId = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--ttl" && i + 1 < args.Length)
            {
                if (!DurationText.TryParse(args[++i], out ttl) || ttl <= TimeSpan.Zero || ttl > TimeSpan.FromHours(24))
                {
                    return Fail("--ttl must be a duration from 1s to 24h, e.g. 30m");
                }
            }
            else if (spiffeId is null && !args[i].StartsWith('-'))
            {
                spiffeId = args[i];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        if (spiffeId is null || !SpiffeId.IsValid(spiffeId))
        {
            return Fail("usage: dev identity <spiffe-id> [--ttl 1h]   e.g. dev identity spiffe://dev.local/agents/support");
        }

        var (hostArgs, verbose) = BrokerStartup.ReadArgs(rest);
        return BrokerStartup.RunAsync(Console.Error, verbose, () =>
        {
            var issued = Issue(spiffeId, ttl, hostArgs, verbose);
            Console.Error.WriteLine($"signing keys: {issued.KeyDirectory}");
            if (issued.Token is null)
            {
                return Task.FromResult(Fail(issued.Problem!));
            }

            Console.Out.WriteLine(issued.Token);
            return Task.FromResult(0);
        }).GetAwaiter().GetResult();
    }

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

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}

/// <summary>What <see cref="DevIdentityCommand.Issue"/> produced: the token, or why there is none.</summary>
public sealed record DevIdentity(string? Token, string KeyDirectory, string? Problem);
