using CredBroker.Core.Identity;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Auth;

/// <summary>
/// Loads every issuer's keys and every trust bundle at start, so bad identity configuration stops
/// the broker now, naming the setting, rather than failing its first caller. An HTTPS key set that
/// cannot be fetched yet does not stop it: that issuer's tokens are refused until a fetch succeeds.
/// </summary>
public sealed partial class IdentityWarmUp(
    TrustedIssuers issuers,
    IdentityTokenValidator tokens,
    X509SvidValidator certificates,
    IHostEnvironment environment,
    ILogger<IdentityWarmUp> logger,
    DevIdentityIssuer? dev = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (setting, keys, fromFile) in issuers.KeySets)
        {
            await keys.LoadAsync(cancellationToken);
            if (fromFile && (keys.LastFailure is not null || keys.KeyCount == 0))
            {
                throw new OptionsValidationException(IdentityOptions.Section, typeof(IdentityOptions),
                    [$"{setting} '{keys.Location}' holds no usable key: {keys.LastFailure ?? "no RSA or EC signing key with a kid"}"]);
            }
        }

        // Once per start: the join costs nothing worth saving.
        var names = string.Join(", ", tokens.Issuers);
        ServerLog.IdentityWarmUpReady(logger, tokens.Issuers.Count, names, certificates.HasTrustBundles, tokens.SingleUse);
        if (dev is not null && !environment.IsDevelopment())
        {
            ServerLog.IdentityWarmUpDevIdentitiesOn(logger, environment.EnvironmentName);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
