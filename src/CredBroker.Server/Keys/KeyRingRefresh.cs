using CredBroker.Core.SigningKeys;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Keys;

/// <summary>
/// Rereads the key directory every <see cref="SigningKeyOptions.ReloadInterval"/>: a key added by
/// <c>credbroker-server keys rotate</c> or another replica is published in the JWKS within one interval and,
/// after its publish lead, signs, all without a restart.
/// </summary>
public sealed partial class KeyRingRefresh(SigningKeyRing ring, IOptions<SigningKeyOptions> options, TimeProvider time, ILogger<KeyRingRefresh> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ReloadInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        var known = Kids();
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                ring.Reload();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                // The keys in memory keep signing; a half-written or unreadable file is retried next tick.
                ServerLog.KeyRingRefreshReloadFailed(logger, e, options.Value.KeyDirectory);
                continue;
            }

            var now = Kids();
            if (!now.SetEquals(known))
            {
                var added = string.Join(' ', now.Except(known));
                var removed = string.Join(' ', known.Except(now));
                ServerLog.KeyRingRefreshKeysChanged(logger, added, removed, ring.Active.Kid);
            }

            known = now;
        }
    }

    private HashSet<string> Kids() => ring.Published.Select(k => k.Kid).ToHashSet(StringComparer.Ordinal);
}
