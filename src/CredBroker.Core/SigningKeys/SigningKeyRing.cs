using System.Globalization;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.SigningKeys;

public enum SigningKeyState
{
    /// <summary>Published, not yet signing: verifiers learn it before they meet a token it signed.</summary>
    Prepared,
    /// <summary>Signs every new token.</summary>
    Active,
    /// <summary>Superseded; published until every token it signed has expired plus skew plus JWKS cache age.</summary>
    Old,
    /// <summary>No token it signed can still be valid; no longer published.</summary>
    Retired,
}

/// <summary>
/// The broker's signing keys, shared by all replicas through the key directory. States follow from
/// each key's creation time (in its file name) and the options, so replicas agree without talking
/// and a rotation needs no restart: <see cref="Reload"/> picks up a key another process added.
/// </summary>
public sealed class SigningKeyRing : IDisposable
{
    private const string Prefix = "signing-";
    /// <summary>A key file's name carries its creation time to the millisecond, so two keys made in the same second keep their order.</summary>
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfff'Z'";

    /// <summary>The format of key files written before milliseconds were kept; still read.</summary>
    private const string SecondsTimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    private readonly KeyDirectory directory;
    private readonly TimeProvider time;
    private readonly SigningKeyOptions options;
    private readonly TimeSpan maxTokenLifetime;
    private readonly TimeSpan clockSkew;
    private volatile List<SigningKey> keys = [];

    /// <param name="clockSkew">The skew verifiers allow (<c>CredBroker:ClockSkew</c>); an old key stays published this much longer.</param>
    public SigningKeyRing(IOptions<SigningKeyOptions> options, TimeProvider time, TimeSpan maxTokenLifetime, TimeSpan clockSkew)
    {
        this.clockSkew = clockSkew;
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
        this.time = time;
        this.maxTokenLifetime = maxTokenLifetime;
        directory = new KeyDirectory(this.options.KeyDirectory);
        Reload();
        if (keys.Count == 0)
        {
            // First start: the first key has no verifier to warn, so it signs at once.
            Rotate();
        }
    }

    /// <summary>The key that signs new tokens.</summary>
    public SigningKey Active => Snapshot().First(k => k.State == SigningKeyState.Active).Key;

    /// <summary>Keys a verifier must know: prepared, active and old.</summary>
    public IReadOnlyList<SigningKey> Published => Snapshot().Where(k => k.State != SigningKeyState.Retired).Select(k => k.Key).ToList();

    public IReadOnlyList<(SigningKey Key, SigningKeyState State)> Snapshot()
    {
        var now = time.GetUtcNow();
        var current = keys;
        var result = new List<(SigningKey, SigningKeyState)>(current.Count);

        // The active key is the newest one whose publish lead has passed; the first key ever needs no lead.
        var activeIndex = 0;
        for (var i = current.Count - 1; i > 0; i--)
        {
            if (current[i].CreatedAt + options.PublishLead <= now)
            {
                activeIndex = i;
                break;
            }
        }

        for (var i = 0; i < current.Count; i++)
        {
            SigningKeyState state;
            if (i == activeIndex)
            {
                state = SigningKeyState.Active;
            }
            else if (i > activeIndex)
            {
                state = SigningKeyState.Prepared;
            }
            else
            {
                // Superseded when its successor became active; valid tokens it signed may live a max TTL more.
                var supersededAt = current[i + 1].CreatedAt + options.PublishLead;
                var lastUse = supersededAt + maxTokenLifetime + clockSkew + options.JwksCacheAge;
                state = lastUse > now ? SigningKeyState.Old : SigningKeyState.Retired;
            }

            result.Add((current[i], state));
        }

        return result;
    }

    public SigningKey? Find(string kid) => keys.FirstOrDefault(k => string.Equals(k.Kid, kid, StringComparison.Ordinal));

    /// <summary>Adds a new key in state PREPARED (ACTIVE if it is the first). Returns it.</summary>
    public SigningKey Rotate()
    {
        var createdAt = time.GetUtcNow();
        var key = SigningKey.Generate(createdAt);
        directory.Write(Prefix + createdAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + "-" + key.Kid[..8], key.Key);
        Reload();
        return Find(key.Kid) ?? throw new InvalidOperationException("the new key was not found after writing it");
    }

    /// <summary>Rereads the key directory.</summary>
    public void Reload()
    {
        var loaded = new List<(SigningKey Key, DateTimeOffset FileTime)>();
        foreach (var (name, key, fileTime) in directory.LoadAll(Prefix))
        {
            var stamp = name.Length > Prefix.Length ? name[Prefix.Length..].Split('-')[0] : string.Empty;
            var createdAt = DateTimeOffset.TryParseExact(stamp, [TimeFormat, SecondsTimeFormat], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : fileTime;
            var fresh = new SigningKey(key, createdAt);
            var existing = keys.FirstOrDefault(k => k.Kid == fresh.Kid);
            if (existing is not null)
            {
                // Keep the instance already in use; signers may hold it.
                fresh.Dispose();
                loaded.Add((existing, fileTime));
            }
            else
            {
                loaded.Add((fresh, fileTime));
            }
        }

        // Keys made in the same millisecond (or the same second, in files named before milliseconds were
        // kept) are told apart by their files' write times, so the newer key stays last and PREPARED
        // rather than taking over by the luck of its random kid.
        keys = loaded.OrderBy(k => k.Key.CreatedAt).ThenBy(k => k.FileTime).ThenBy(k => k.Key.Kid, StringComparer.Ordinal).Select(k => k.Key).ToList();
    }

    public void Dispose()
    {
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}
