using System.Net;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier;

/// <summary>Bad verifier settings stop the host at start rather than letting forged or revoked tokens through later.</summary>
internal sealed class CredBrokerVerifierOptionsValidator : IValidateOptions<CredBrokerVerifierOptions>
{
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>Each entry holds a token's claims (well under 1 KB); a million is already a gigabyte.</summary>
    private const int MaxValidatedTokenCacheSize = 1_000_000;

    public ValidateOptionsResult Validate(string? name, CredBrokerVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.BrokerAddress is not { IsAbsoluteUri: true } broker || (broker.Scheme != Uri.UriSchemeHttp && broker.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add("BrokerAddress: required, an absolute http(s) URL of the broker's gRPC endpoint");
        }

        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            errors.Add("Issuer: required, the broker's CredBroker:Issuer");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add("Audience: required, this tool server's audience in the broker's policy");
        }

        if (JwksUri(options) is { } jwks && !SafeJwksUri(jwks))
        {
            // The keys decide what is genuine: fetching them over plain http off this machine lets anyone on the path swap them.
            errors.Add("JwksUri: must be https, or http on a loopback address");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > MaxClockSkew)
        {
            errors.Add("ClockSkew: must be between 0 and 30 seconds");
        }

        if (options.MaxStaleness < TimeSpan.FromSeconds(1) || options.MaxStaleness > TimeSpan.FromMinutes(5))
        {
            errors.Add("MaxStaleness: must be between 1 second and 5 minutes");
        }

        if (options.JwksMinRefreshInterval < TimeSpan.Zero || options.JwksRefreshInterval < options.JwksMinRefreshInterval)
        {
            errors.Add("JwksRefreshInterval: must be at least JwksMinRefreshInterval, which must not be negative");
        }

        if (options.ReconnectDelay <= TimeSpan.Zero || options.MaxReconnectDelay < options.ReconnectDelay || options.MaxReconnectDelay > options.MaxStaleness)
        {
            errors.Add("MaxReconnectDelay: must be at least ReconnectDelay (> 0) and at most MaxStaleness");
        }

        if (options.IntrospectTimeout <= TimeSpan.Zero)
        {
            errors.Add("IntrospectTimeout: must be positive");
        }

        if (options.ValidatedTokenCacheSize is < 0 or > MaxValidatedTokenCacheSize)
        {
            errors.Add($"ValidatedTokenCacheSize: must be between 0 (no cache) and {MaxValidatedTokenCacheSize} entries");
        }

        if (!Enum.IsDefined(options.WhenStale))
        {
            errors.Add("WhenStale: Reject or Introspect");
        }

        if (options.IdentityToken is null)
        {
            errors.Add("IdentityToken: required, a callback returning this tool server's identity token (role tool)");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static Uri? JwksUri(CredBrokerVerifierOptions options) =>
        options.JwksUri ?? (options.BrokerAddress is { IsAbsoluteUri: true } broker ? new Uri(broker, "/.well-known/jwks.json") : null);

    private static bool SafeJwksUri(Uri uri) =>
        uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)));

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
