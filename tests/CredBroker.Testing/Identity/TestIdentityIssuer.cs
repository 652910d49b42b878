using System.Text;
using System.Text.Json.Nodes;
using CredBroker.Testing.Broker;

namespace CredBroker.Testing.Identity;

/// <summary>
/// A stand-in for SPIRE or an OIDC provider: its own keys, a JWKS it publishes, and JWT-SVIDs it signs by
/// hand, so a test can bend any header or claim (alg, kid, crit, aud, times) the way an attacker would.
/// </summary>
public sealed class TestIdentityIssuer : IDisposable
{
    public const string Audience = "credbroker";

    private readonly TimeProvider time;
    private readonly List<TestSigningKey> published = [];
    private readonly List<TestSigningKey> owned = [];

    public TestIdentityIssuer(string name, TimeProvider? time = null)
    {
        Name = name;
        this.time = time ?? TimeProvider.System;
        var tag = Guid.NewGuid().ToString("N")[..8];
        Current = AddKey(TestSigningKey.Ec(tag + "-ec-1"));
        Rsa = AddKey(TestSigningKey.Rsa(tag + "-rsa-1"));
    }

    /// <summary>The <c>iss</c> of its tokens.</summary>
    public string Name { get; }

    /// <summary>The key tokens are signed with unless a test names another.</summary>
    public TestSigningKey Current { get; private set; }

    /// <summary>A published RSA key, for the algorithm-confusion attack.</summary>
    public TestSigningKey Rsa { get; }

    public TestSigningKey AddKey(TestSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        owned.Add(key);
        published.Add(key);
        return key;
    }

    /// <summary>Publishes a new key, signs with it from now on, and (unless told to keep it) withdraws the old one.</summary>
    public TestSigningKey Rotate(string kid, bool keepOld = false)
    {
        var old = Current;
        Current = AddKey(TestSigningKey.Ec(kid));
        if (!keepOld)
        {
            published.Remove(old);
        }

        return Current;
    }

    public string Jwks() => new JsonObject { ["keys"] = new JsonArray([.. published.Select(k => (JsonNode)k.PublicJwk())]) }.ToJsonString();

    public async Task WriteJwksAsync(string path) => await File.WriteAllTextAsync(path, Jwks());

    /// <summary>A JWT-SVID for <paramref name="subject"/>, valid from now for <paramref name="lifetime"/> (default 5 minutes).</summary>
    public string Token(
        string subject,
        TimeSpan? lifetime = null,
        TestSigningKey? key = null,
        Action<JsonObject>? header = null,
        Action<JsonObject>? claims = null)
    {
        key ??= Current;
        var now = time.GetUtcNow();
        var h = new JsonObject { ["alg"] = key.Alg, ["kid"] = key.Kid, ["typ"] = "JWT" };
        var p = new JsonObject
        {
            ["iss"] = Name,
            ["sub"] = subject,
            ["aud"] = Audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + (lifetime ?? TimeSpan.FromMinutes(5))).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        header?.Invoke(h);
        claims?.Invoke(p);
        var input = TokenParts.Encode(h.ToJsonString()) + "." + TokenParts.Encode(p.ToJsonString());
        return input + "." + TokenParts.Encode(key.Sign(Encoding.ASCII.GetBytes(input)));
    }

    public void Dispose()
    {
        foreach (var key in owned)
        {
            key.Dispose();
        }
    }
}
