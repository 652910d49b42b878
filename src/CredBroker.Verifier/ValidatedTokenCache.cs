using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using CredBroker.Core.Tokens;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier;

/// <summary>
/// Tokens this verifier has validated (signature and claims), so a token seen again skips the ES256
/// verification. Keyed on the SHA-256 of the exact token text: the token itself is not kept, and any other
/// encoding of it (such as the high-S twin of its signature) is simply not found and is validated in full.
/// Only successful validations are held, each until its <c>exp</c> on the verifier's clock, at most
/// <see cref="CredBrokerVerifierOptions.ValidatedTokenCacheSize"/> of them (least recently used go first).
/// It answers only "did this exact text validate, under which key"; the caller still judges the key, the
/// lifetime, the tool and revocation on every call.
/// </summary>
internal sealed class ValidatedTokenCache : IDisposable
{
    private readonly MemoryCache? cache;
    private readonly TimeProvider time;

    public ValidatedTokenCache(IOptions<CredBrokerVerifierOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        var size = options.Value.ValidatedTokenCacheSize;
        if (size > 0)
        {
            cache = new MemoryCache(Options.Create(new MemoryCacheOptions { SizeLimit = size, Clock = new Clock(time) }));
        }
    }

    /// <summary>False when configured off (<see cref="CredBrokerVerifierOptions.ValidatedTokenCacheSize"/> = 0).</summary>
    public bool Enabled => cache is not null;

    /// <summary>The validation held for exactly this token text, if any.</summary>
    public bool TryGet(in TokenDigest digest, out AccessTokenValidation validation)
    {
        if (cache is not null && cache.TryGetValue(digest, out var held) && held is AccessTokenValidation found)
        {
            validation = found;
            return true;
        }

        validation = null!;
        return false;
    }

    /// <summary>Holds a successful validation until the token's <c>exp</c>; anything else is ignored.</summary>
    public void Add(in TokenDigest digest, AccessTokenValidation validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (cache is null || validation.Claims is not { } claims || validation.Key is null || validation.KeyId is null || claims.ExpiresAt <= time.GetUtcNow())
        {
            return;
        }

        using var entry = cache.CreateEntry(digest);
        entry.Value = validation;
        entry.Size = 1;
        entry.AbsoluteExpiration = claims.ExpiresAt;
    }

    public void Dispose() => cache?.Dispose();

    /// <summary>MemoryCache expires entries by this clock, so a test's fake time governs them too.</summary>
    private sealed class Clock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}

/// <summary>The SHA-256 of a token's UTF-8 text: the validated-token cache's key, so no token text is kept as one.</summary>
internal readonly record struct TokenDigest(ulong A, ulong B, ulong C, ulong D)
{
    private const int StackLimit = 4096;

    public static TokenDigest Of(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var length = Encoding.UTF8.GetMaxByteCount(token.Length);
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(token, buffer);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer[..written], hash);
            var words = MemoryMarshal.Cast<byte, ulong>(hash);
            return new TokenDigest(words[0], words[1], words[2], words[3]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
