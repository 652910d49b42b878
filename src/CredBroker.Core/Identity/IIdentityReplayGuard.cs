namespace CredBroker.Core.Identity;

/// <summary>
/// Remembers which identity tokens were used, for <c>CredBroker:Identity:RequireUniqueJti</c>.
/// Implementations share their memory across replicas where the broker has several (Redis).
/// A store that cannot answer throws <see cref="Storage.BrokerStoreUnavailableException"/>: the call is refused.
/// </summary>
public interface IIdentityReplayGuard
{
    /// <summary>
    /// Records the token's <c>jti</c> until <paramref name="forgetAfter"/> (its <c>exp</c> plus clock skew,
    /// after which it would be refused anyway). True on its first use, false on every later one.
    /// </summary>
    ValueTask<bool> TryFirstUseAsync(string issuer, string jti, DateTimeOffset forgetAfter, CancellationToken cancellationToken);
}
