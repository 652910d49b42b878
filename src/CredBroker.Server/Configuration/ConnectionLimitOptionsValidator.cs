using Microsoft.Extensions.Options;

namespace CredBroker.Server.Configuration;

/// <summary>
/// The one check of <see cref="ConnectionLimitOptions"/>; each message names its key. Kestrel reads the limits
/// while the host is built, so <see cref="BrokerHost"/> runs it then as well as on start.
/// </summary>
public sealed class ConnectionLimitOptionsValidator : IValidateOptions<ConnectionLimitOptions>
{
    private const string Section = ConnectionLimitOptions.Section;

    public ValidateOptionsResult Validate(string? name, ConnectionLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static IEnumerable<string> Problems(ConnectionLimitOptions options)
    {
        if (options.MaxConnections < 1)
        {
            yield return $"{Section}:{nameof(ConnectionLimitOptions.MaxConnections)} must be at least 1 (default 4096)";
        }

        if (options.MaxStreamsPerConnection < 1)
        {
            yield return $"{Section}:{nameof(ConnectionLimitOptions.MaxStreamsPerConnection)} must be at least 1 (default 256)";
        }

        if (options.KeepAliveTimeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(ConnectionLimitOptions.KeepAliveTimeout)} must be positive (default 00:02:00)";
        }

        if (options.RequestHeadersTimeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(ConnectionLimitOptions.RequestHeadersTimeout)} must be positive (default 00:00:30)";
        }

        if (options.MaxWatchStreamsPerIdentity < 1)
        {
            yield return $"{Section}:{nameof(ConnectionLimitOptions.MaxWatchStreamsPerIdentity)} must be at least 1 (default 32)";
        }

        if (options.MaxAwaitingApprovalsPerIdentity < 1)
        {
            yield return $"{Section}:{nameof(ConnectionLimitOptions.MaxAwaitingApprovalsPerIdentity)} must be at least 1 (default 16)";
        }
    }
}
