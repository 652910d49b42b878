using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Tokens;

/// <summary>
/// Checks a JWS signature for one named algorithm with one key, by hand rather than through a token
/// handler, so that the bytes verified are exactly the ones <see cref="CompactJws"/> parsed. Only the
/// asymmetric algorithms of RFC 7518 section 3.1 exist here: an HMAC "public key" is a shared secret.
/// </summary>
internal static class JwsSignature
{
    public static bool Verifies(CompactJws jws, string algorithm, SecurityKey key)
    {
        var input = Encoding.ASCII.GetBytes(jws.SigningInput.ToArray());
        return (algorithm, key) switch
        {
            // RFC 7518 section 3.4: r||s of fixed width, on the curve the algorithm names. Both S forms
            // verify; revocation never depends on the signature bytes, so a high-S twin is just as revoked.
            ("ES256", ECDsaSecurityKey { ECDsa: { KeySize: 256 } ec }) => Ecdsa(ec, input, jws.Signature, 64, HashAlgorithmName.SHA256),
            ("ES384", ECDsaSecurityKey { ECDsa: { KeySize: 384 } ec }) => Ecdsa(ec, input, jws.Signature, 96, HashAlgorithmName.SHA384),
            ("ES512", ECDsaSecurityKey { ECDsa: { KeySize: 521 } ec }) => Ecdsa(ec, input, jws.Signature, 132, HashAlgorithmName.SHA512),
            ("RS256", RsaSecurityKey { Rsa: { } rsa }) => Rsa(rsa, input, jws.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ("RS384", RsaSecurityKey { Rsa: { } rsa }) => Rsa(rsa, input, jws.Signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
            ("RS512", RsaSecurityKey { Rsa: { } rsa }) => Rsa(rsa, input, jws.Signature, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1),
            // RFC 7518 section 3.5: PSS with MGF1 over the same hash and a salt as long as the hash.
            ("PS256", RsaSecurityKey { Rsa: { } rsa }) => Rsa(rsa, input, jws.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
            ("PS384", RsaSecurityKey { Rsa: { } rsa }) => Rsa(rsa, input, jws.Signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pss),
            ("PS512", RsaSecurityKey { Rsa: { } rsa }) => Rsa(rsa, input, jws.Signature, HashAlgorithmName.SHA512, RSASignaturePadding.Pss),
            _ => false,
        };
    }

    private static bool Ecdsa(ECDsa key, byte[] input, byte[] signature, int length, HashAlgorithmName hash) =>
        signature.Length == length && key.VerifyData(input, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    private static bool Rsa(RSA key, byte[] input, byte[] signature, HashAlgorithmName hash, RSASignaturePadding padding) =>
        signature.Length == key.KeySize / 8 && key.VerifyData(input, signature, hash, padding);
}
