using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CredBroker.Core.Identity;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Auth;

/// <summary>
/// Remembers validated identity tokens for a short while, so an agent's token is not re-verified on
/// every call. An entry is used only while the token has not expired, is younger than
/// <see cref="IdentityOptions.CacheMaxAge"/>, and the key that signed it is still the one its issuer
/// publishes under that <c>kid</c>: an issuer withdrawing a key withdraws what it signed. Keyed by a
/// SHA-256 of the token, so no credential is kept. Bounded: when full it is cleared, which costs only
/// re-validation.
/// </summary>
public sealed class IdentityCache(TimeProvider time, IOptions<IdentityOptions> options, IdentityTokenValidator validator)
{
    private const int Capacity = 50_000;
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly TimeSpan maxAge = options.Value.CacheMaxAge;

    public bool TryGet(string token, out WorkloadIdentity identity)
    {
        var key = Key(token);
        if (entries.TryGetValue(key, out var found))
        {
            var now = time.GetUtcNow();
            if (found.Identity.ExpiresAt > now && now - found.AddedAt < maxAge && validator.IsPublished(found.SignedBy))
            {
                identity = found.Identity;
                return true;
            }

            entries.TryRemove(new KeyValuePair<string, Entry>(key, found));
        }

        identity = null!;
        return false;
    }

    /// <summary>Remembers a validated token; one without the key that signed it (or with caching off) is not kept.</summary>
    public void Add(string token, IdentityValidation validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (validation is not { Identity: { } identity, SignedBy: { } signedBy } || maxAge <= TimeSpan.Zero)
        {
            return;
        }

        if (entries.Count >= Capacity)
        {
            entries.Clear();
        }

        entries[Key(token)] = new Entry(identity, signedBy, time.GetUtcNow());
    }

    private static string Key(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private sealed record Entry(WorkloadIdentity Identity, IdentityKey SignedBy, DateTimeOffset AddedAt);
}
