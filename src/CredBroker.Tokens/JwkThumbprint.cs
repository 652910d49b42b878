using System.Security.Cryptography;
using System.Text;

namespace CredBroker.Core;

/// <summary>RFC 7638 JWK thumbprints of P-256 keys: how the broker names its token and audit keys, and how a reader checks a published kid.</summary>
internal static class JwkThumbprint
{
    /// <summary>RFC 7638 section 3.2: the required members in lexicographic order, no white space, SHA-256, base64url.</summary>
    public static string OfP256(string x, string y)
    {
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""";
        return Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
