using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Invariant 3 needs a Redis that cannot lose an acknowledged revocation: AOF with
/// <c>appendfsync always</c> (Redis 7.0 has no WAITAOF), and <c>noeviction</c> so memory pressure
/// never evicts a rule. Reads the server's configuration and names every setting that falls short.
/// </summary>
public static class RedisPersistenceCheck
{
    private static readonly (string Setting, string Required)[] Requirements =
    [
        ("appendonly", "yes"),
        ("appendfsync", "always"),
        ("maxmemory-policy", "noeviction"),
    ];

    /// <summary>The problems found, empty when the server is safe. Throws when Redis cannot be asked.</summary>
    public static async Task<IReadOnlyList<string>> FindProblemsAsync(IConnectionMultiplexer redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var problems = new List<string>();
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            KeyValuePair<string, string>[] config;
            try
            {
                config = await server.ConfigGetAsync("*").ConfigureAwait(false);
            }
            catch (RedisServerException e)
            {
                // Managed services often rename CONFIG; then persistence cannot be proven.
                problems.Add($"{endpoint}: cannot read configuration ({e.Message}); persistence cannot be verified");
                continue;
            }

            var values = config.ToDictionary(c => c.Key, c => c.Value, StringComparer.OrdinalIgnoreCase);
            foreach (var (setting, required) in Requirements)
            {
                var actual = values.GetValueOrDefault(setting, "(unset)");
                if (!string.Equals(actual, required, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{endpoint}: {setting} is '{actual}', needs '{required}'");
                }
            }
        }

        return problems;
    }
}
