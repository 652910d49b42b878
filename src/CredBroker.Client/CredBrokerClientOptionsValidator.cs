using System.Net;
using Microsoft.Extensions.Options;

namespace CredBroker.Client;

/// <summary>Refuses client settings that could only fail later, or that would leak the identity token.</summary>
internal sealed class CredBrokerClientOptionsValidator : IValidateOptions<CredBrokerClientOptions>
{
    public ValidateOptionsResult Validate(string? name, CredBrokerClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> naming every problem.</summary>
    public static void ThrowIfInvalid(CredBrokerClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(CredBrokerClientOptions), problems);
        }
    }

    private static IEnumerable<string> Problems(CredBrokerClientOptions o)
    {
        if (o.Address is not { IsAbsoluteUri: true } address || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            yield return $"Address must be an absolute http or https URL, not '{o.Address}'";
        }
        else if (address.Scheme == Uri.UriSchemeHttp && !o.AllowCleartext && !IsLoopback(address))
        {
            yield return $"Address {address} is cleartext and not loopback; use https (or set AllowCleartext to send the identity token in the clear)";
        }

        var sources = new[] { o.IdentityToken is not null, o.IdentityTokenFile is not null, o.IdentityTokenProvider is not null }.Count(set => set);
        if (sources != 1)
        {
            yield return $"set exactly one of IdentityToken, IdentityTokenFile and IdentityTokenProvider ({sources} are set)";
        }
        else if (o.IdentityToken is { } token && string.IsNullOrWhiteSpace(token))
        {
            yield return "IdentityToken is empty";
        }
        else if (o.IdentityTokenFile is { } file && string.IsNullOrWhiteSpace(file))
        {
            yield return "IdentityTokenFile is empty";
        }

        if (o.RefreshMargin < TimeSpan.Zero)
        {
            yield return "RefreshMargin must not be negative";
        }

        if (o.CallTimeout <= TimeSpan.Zero)
        {
            yield return "CallTimeout must be positive";
        }
    }

    private static bool IsLoopback(Uri address) =>
        address.IsLoopback || (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
