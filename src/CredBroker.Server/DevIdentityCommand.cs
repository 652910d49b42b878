using CredBroker.Core.Identity;
using CredBroker.Core.Policy;

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

        var token = Issue(spiffeId, ttl, [.. rest], out var problem);
        if (token is null)
        {
            return Fail(problem!);
        }

        Console.Out.WriteLine(token);
        return 0;
    }

    /// <summary>
    /// An identity token for <paramref name="spiffeId"/> from the dev issuer of the broker that
    /// <paramref name="hostArgs"/> configure; null with the reason when dev identities are off.
    /// </summary>
    public static string? Issue(string spiffeId, TimeSpan ttl, string[] hostArgs, out string? problem)
    {
        using var app = BrokerHost.Build(hostArgs);
        var issuer = app.Services.GetService<DevIdentityIssuer>();
        if (issuer is null)
        {
            problem = "dev identities are off; they are on in the Development environment or with CredBroker__DevIdentities=true";
            return null;
        }

        problem = null;
        return issuer.Issue(spiffeId, ttl);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}
