using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CredBroker.Core.SigningKeys;
using CredBroker.Testing.Broker;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Verifier.Tests;

/// <summary>Shapes tokens by hand, signed with the broker's real key (taken from its running key ring) or an attacker's.</summary>
public sealed class TokenForge(ECDsa key, string kid)
{
    /// <summary>The order n of P-256: the high-S twin of (r, s) is (r, n - s).</summary>
    private static readonly BigInteger Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    public string Kid { get; } = kid;

    public ECDsa Key { get; } = key;

    public static TokenForge OfBroker(BrokerFixture broker)
    {
        var active = broker.Services.GetRequiredService<SigningKeyRing>().Active;
        return new TokenForge(active.Key, active.Kid);
    }

    public static TokenForge Attacker() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), "attacker-" + Guid.NewGuid().ToString("N")[..8]);

    public JsonObject Header() => new() { ["alg"] = "ES256", ["typ"] = "at+jwt", ["kid"] = Kid };

    public static JsonObject Claims(string scope = "tickets.read", string audience = VerifierHarness.Audience, string issuer = BrokerFixture.Issuer, DateTimeOffset? now = null)
    {
        var at = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        return new JsonObject
        {
            ["iss"] = issuer,
            ["sub"] = "spiffe://test.local/agents/support",
            ["client_id"] = "spiffe://test.local/agents/support",
            ["aud"] = audience,
            ["iat"] = at,
            ["nbf"] = at,
            ["exp"] = at + 120,
            ["jti"] = "g-forged-" + Guid.NewGuid().ToString("N")[..8],
            ["scope"] = scope,
            ["task_id"] = "t-forged",
            ["purpose"] = "p",
            ["owner"] = "team-support",
        };
    }

    public string Sign(JsonObject header, JsonObject claims) => Sign(header.ToJsonString(), claims.ToJsonString());

    /// <summary>Signs raw JSON texts, so tests can send JSON no serializer would write (e.g. a repeated member).</summary>
    public string Sign(string headerJson, string claimsJson)
    {
        var input = TokenParts.Encode(headerJson) + "." + TokenParts.Encode(claimsJson);
        return input + "." + TokenParts.Encode(Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }

    /// <summary>The same token with its ECDSA signature's other valid form: s replaced by n - s.</summary>
    public static string HighSTwin(string token)
    {
        var parts = token.Split('.');
        var signature = TokenParts.Decode(parts[2]);
        var s = new BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var twin = Order - s;
        var bytes = twin.ToByteArray(isUnsigned: true, isBigEndian: true);
        var fixedWidth = new byte[32];
        bytes.CopyTo(fixedWidth, 32 - bytes.Length);
        var changed = signature[..32].Concat(fixedWidth).ToArray();
        return parts[0] + "." + parts[1] + "." + TokenParts.Encode(changed);
    }
}
