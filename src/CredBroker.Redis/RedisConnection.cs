using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>Builds the one multiplexer of the process, set up to fail closed (invariant 1) and to heal by itself.</summary>
public static class RedisConnection
{
    /// <summary>The configuration the store runs with: <paramref name="options"/> plus the settings fail-closed needs.</summary>
    public static ConfigurationOptions CreateConfiguration(RedisStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = ConfigurationOptions.Parse(options.Configuration);
        var timeout = (int)options.Timeout.TotalMilliseconds;

        // The broker starts, and keeps running, while Redis is down: it answers UNAVAILABLE meanwhile
        // and the multiplexer reconnects in the background when Redis is back.
        config.AbortOnConnectFail = false;
        // A command sent while disconnected fails at once instead of waiting in a backlog, so a caller
        // gets UNAVAILABLE now rather than a token later (invariant 1).
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ConnectTimeout = timeout;
        config.SyncTimeout = timeout;
        config.AsyncTimeout = timeout;
        config.ConnectRetry = 3;
        // Retry often enough that an outage ends for the broker within seconds of Redis coming back.
        config.ReconnectRetryPolicy = new ExponentialRetry(250, 2000);
        config.ClientName ??= "credbroker";
        // CONFIG GET is an admin command to the client; the broker reads (never sets) persistence settings (invariant 3).
        config.AllowAdmin = true;
        if (loggerFactory is not null)
        {
            config.LoggerFactory = loggerFactory;
        }

        return config;
    }

    /// <summary>Connects without waiting for Redis to be up; commands fail closed until it is.</summary>
    public static IConnectionMultiplexer Connect(RedisStoreOptions options, ILoggerFactory? loggerFactory = null) =>
        ConnectionMultiplexer.Connect(CreateConfiguration(options, loggerFactory));

    /// <inheritdoc cref="Connect"/>
    public static async Task<IConnectionMultiplexer> ConnectAsync(RedisStoreOptions options, ILoggerFactory? loggerFactory = null) =>
        await ConnectionMultiplexer.ConnectAsync(CreateConfiguration(options, loggerFactory)).ConfigureAwait(false);

    /// <summary>Whether <paramref name="configuration"/> parses and names at least one endpoint.</summary>
    public static bool IsValidConfiguration(string? configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration))
        {
            return false;
        }

        try
        {
            return ConfigurationOptions.Parse(configuration).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
