using CredBroker.Core;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Configuration;

/// <summary>
/// The one check of <see cref="ServerOptions"/>; each message names its key. The host is shaped by these settings
/// (which store, which listeners), so <see cref="BrokerHost"/> runs it while building as well as on start.
/// </summary>
public sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (!string.Equals(options.Store, "memory", StringComparison.OrdinalIgnoreCase) && !string.Equals(options.Store, "redis", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{BrokerOptions.Section}:{nameof(ServerOptions.Store)} must be 'memory' or 'redis', not '{options.Store}'");
        }

        if (!string.IsNullOrWhiteSpace(options.PublicHttpUrl)
            && (!Uri.TryCreate(options.PublicHttpUrl, UriKind.Absolute, out var publicUrl) || (publicUrl.Scheme != Uri.UriSchemeHttp && publicUrl.Scheme != Uri.UriSchemeHttps)))
        {
            problems.Add($"{BrokerOptions.Section}:{nameof(ServerOptions.PublicHttpUrl)} must be an absolute http or https URL, not '{options.PublicHttpUrl}'");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
