namespace CredBroker.Testing.Redis;

/// <summary>Finds the <c>redis-server</c> binary; missing Redis is an error, so Redis-backed tests fail rather than skip.</summary>
public static class RedisServerBinary
{
    /// <summary>Names the binary when it is not <c>redis-server</c> on PATH.</summary>
    public const string Variable = "CREDBROKER_REDIS_SERVER";

    public static string Find()
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{Variable}={configured}, but no such file exists");
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "redis-server.exe" : "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"redis-server was not found on PATH and {Variable} is not set. Redis-backed tests need a real Redis: " +
            $"install redis-server (7.x), set {Variable} to its path, or set {SharedRedis.EndpointVariable} to a running one.");
    }
}
