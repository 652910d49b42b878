using CredBroker.Core.SigningKeys;
using CredBroker.Core.Tokens;

namespace CredBroker.Server.Http;

/// <summary>Public EC P-256 keys as a JWK Set (RFC 7517 section 5), with <c>use</c> naming what they verify.</summary>
public static class PublicKeySet
{
    public static IResult Json(IEnumerable<SigningKey> keys, string use) => Results.Json(new
    {
        keys = keys.Select(k => new
        {
            kty = "EC",
            crv = "P-256",
            x = k.X,
            y = k.Y,
            kid = k.Kid,
            use,
            alg = ClaimNames.Algorithm,
        }),
    });
}
