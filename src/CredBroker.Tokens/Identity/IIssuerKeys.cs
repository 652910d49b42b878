using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Identity;

/// <summary>One issuer's verification keys, found by exact <c>kid</c> only: never another issuer's, never by trying each.</summary>
public interface IIssuerKeys
{
    /// <summary>The key named <paramref name="kid"/>, or null when the issuer has none by that name.</summary>
    ValueTask<IssuerKey?> FindAsync(string kid, CancellationToken cancellationToken);

    /// <summary>
    /// The key held now under <paramref name="kid"/>, without fetching; null when none is. Whatever was
    /// validated with a key this does not return any more must be validated again. Default: null, so
    /// key sources that cannot answer cheaply never let a remembered identity be reused.
    /// </summary>
    IssuerKey? Held(string kid) => null;
}

/// <param name="Key">The public key.</param>
/// <param name="Algorithm">The JWK's <c>alg</c>; when set, a token naming another algorithm is refused with this key.</param>
public sealed record IssuerKey(SecurityKey Key, string? Algorithm);

/// <summary>A fixed set of keys, e.g. the dev issuer's own.</summary>
internal sealed class StaticIssuerKeys(IEnumerable<IssuerKey> keys) : IIssuerKeys
{
    private readonly Dictionary<string, IssuerKey> byKid = keys.ToDictionary(k => k.Key.KeyId, StringComparer.Ordinal);

    public ValueTask<IssuerKey?> FindAsync(string kid, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Held(kid));

    public IssuerKey? Held(string kid) => byKid.GetValueOrDefault(kid);
}
