using System.Security.Cryptography;
using System.Text;
using CredBroker.Core.DependencyInjection;
using CredBroker.Core.Identity;
using CredBroker.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// Remembers used identity-token <c>jti</c>s in Redis, so every replica refuses a token another
/// replica has already accepted: one <c>SET key 1 NX PX ttl</c>, atomic in Redis, expiring when the
/// token would be refused anyway. Redis unreachable means the call is refused (fail closed).
/// </summary>
public sealed class RedisIdentityReplayGuard(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> options, TimeProvider time) : IIdentityReplayGuard
{
    private readonly string prefix = options.Value.KeyPrefix ?? string.Empty;

    /// <summary>
    /// String key of one used identity token. Issuer and jti are hashed, so neither a long nor a
    /// hostile jti shapes the key; one key per token, so it needs no hash tag on Cluster.
    /// (Kept here rather than in <see cref="RedisKeys"/> until the identity work merges.)
    /// </summary>
    public static RedisKey Key(string prefix, string issuer, string jti) =>
        prefix + "idj:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(issuer + "\n" + jti)));

    public async ValueTask<bool> TryFirstUseAsync(string issuer, string jti, DateTimeOffset forgetAfter, CancellationToken cancellationToken)
    {
        var ttl = forgetAfter - time.GetUtcNow();
        if (ttl <= TimeSpan.Zero)
        {
            // Already past its window: the token validator refuses such a token before asking.
            return false;
        }

        try
        {
            return await redis.GetDatabase()
                .StringSetAsync(Key(prefix, issuer, jti), "1", ttl < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : ttl, When.NotExists)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            throw new BrokerStoreUnavailableException("Redis store unavailable while checking identity-token reuse; failing closed", e);
        }
    }
}

public static class RedisIdentityReplayGuardExtensions
{
    /// <summary>Keeps used identity-token ids in the Redis of <c>UseRedisStore</c>, shared by every replica.</summary>
    public static CredBrokerBuilder UseRedisIdentityReplayGuard(this CredBrokerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IIdentityReplayGuard>();
        builder.Services.AddSingleton<IIdentityReplayGuard, RedisIdentityReplayGuard>();
        return builder;
    }
}
