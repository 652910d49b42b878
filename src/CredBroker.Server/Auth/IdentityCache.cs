using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CredBroker.Core.Identity;

namespace CredBroker.Server.Auth;

/// <summary>
/// Remembers validated identity tokens until they expire, so an agent's token is not re-verified
/// on every call. Keyed by a SHA-256 of the token, so no credential is kept. Bounded: when full it
/// is cleared, which costs only re-validation.
/// </summary>
public sealed class IdentityCache(TimeProvider time)
{
    private const int Capacity = 50_000;
    private readonly ConcurrentDictionary<string, WorkloadIdentity> entries = new(StringComparer.Ordinal);

    public bool TryGet(string token, out WorkloadIdentity identity)
    {
        if (entries.TryGetValue(Key(token), out var found) && found.ExpiresAt > time.GetUtcNow())
        {
            identity = found;
            return true;
        }

        identity = null!;
        return false;
    }

    public void Add(string token, WorkloadIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (entries.Count >= Capacity)
        {
            entries.Clear();
        }

        entries[Key(token)] = identity;
    }

    private static string Key(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
