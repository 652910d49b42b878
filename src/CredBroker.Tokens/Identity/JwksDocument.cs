using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Identity;

/// <summary>
/// Reads the verification keys of a JWKS (RFC 7517) or SPIFFE bundle. Only public RSA and EC
/// signing keys with a <c>kid</c> are taken; everything else is skipped with a reason, so a
/// symmetric key slipped into a key set can never verify anything.
/// </summary>
internal static class JwksDocument
{
    /// <summary>Larger documents are refused: a key set has a handful of keys, not megabytes.</summary>
    public const int MaxBytes = 256 * 1024;

    public const int MaxKeys = 100;

    private const int MinRsaBits = 2048;

    /// <exception cref="FormatException">The document is not a JWKS.</exception>
    public static JwksKeys Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            throw new FormatException($"key set is larger than {MaxBytes} bytes");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException("key set is not JSON", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("key set has no 'keys' array");
            }

            if (keys.GetArrayLength() > MaxKeys)
            {
                throw new FormatException($"key set has more than {MaxKeys} keys");
            }

            var found = new Dictionary<string, IssuerKey>(StringComparer.Ordinal);
            var skipped = new List<string>();
            var duplicates = new HashSet<string>(StringComparer.Ordinal);
            foreach (var jwk in keys.EnumerateArray())
            {
                var key = Read(jwk, out var kid, out var why);
                if (key is null)
                {
                    skipped.Add(why!);
                }
                else if (!found.TryAdd(kid!, key))
                {
                    duplicates.Add(kid!);
                }
            }

            // Two keys under one kid: neither is used, so the kid can never pick the wrong one.
            foreach (var kid in duplicates)
            {
                found.Remove(kid);
                skipped.Add($"kid '{kid}' appears more than once");
            }

            return new JwksKeys(found, skipped);
        }
    }

    private static IssuerKey? Read(JsonElement jwk, out string? kid, out string? why)
    {
        string? Text(string name) => jwk.ValueKind == JsonValueKind.Object && jwk.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        kid = Text("kid");
        var kty = Text("kty");
        var use = Text("use");
        why = null;
        if (string.IsNullOrEmpty(kid) || kid.Length > 256)
        {
            why = "a key without a usable kid";
            return null;
        }

        // SPIFFE bundles carry X.509 roots beside the JWT keys; only signature keys verify tokens.
        if (use is not (null or "sig" or "jwt-svid"))
        {
            why = $"kid '{kid}': use '{use}' is not for signatures";
            return null;
        }

        try
        {
            return kty switch
            {
                "EC" => Ec(kid, Text("crv"), Text("x"), Text("y"), Text("alg"), out why),
                "RSA" => Rsa(kid, Text("n"), Text("e"), Text("alg"), out why),
                _ => Skip($"kid '{kid}': key type '{kty}' is not an asymmetric signing key", out why),
            };
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            why = $"kid '{kid}': malformed key";
            return null;
        }
    }

    private static IssuerKey? Ec(string kid, string? crv, string? x, string? y, string? alg, out string? why)
    {
        (ECCurve Curve, string Alg)? curve = crv switch
        {
            "P-256" => (ECCurve.NamedCurves.nistP256, "ES256"),
            "P-384" => (ECCurve.NamedCurves.nistP384, "ES384"),
            "P-521" => (ECCurve.NamedCurves.nistP521, "ES512"),
            _ => null,
        };
        if (curve is null || x is null || y is null)
        {
            return Skip($"kid '{kid}': EC key needs crv P-256, P-384 or P-521, x and y", out why);
        }

        if (alg is not null && alg != curve.Value.Alg)
        {
            return Skip($"kid '{kid}': alg '{alg}' does not match curve {crv}", out why);
        }

        var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = curve.Value.Curve,
            Q = new ECPoint { X = Base64Url.Decode(x), Y = Base64Url.Decode(y) },
        });
        why = null;
        return new IssuerKey(new ECDsaSecurityKey(ecdsa) { KeyId = kid }, curve.Value.Alg);
    }

    private static IssuerKey? Rsa(string kid, string? n, string? e, string? alg, out string? why)
    {
        if (n is null || e is null)
        {
            return Skip($"kid '{kid}': RSA key needs n and e", out why);
        }

        if (alg is not null && !alg.StartsWith("RS", StringComparison.Ordinal) && !alg.StartsWith("PS", StringComparison.Ordinal))
        {
            return Skip($"kid '{kid}': alg '{alg}' is not an RSA signature algorithm", out why);
        }

        var modulus = Base64Url.Decode(n);
        if (modulus.Length * 8 < MinRsaBits)
        {
            return Skip($"kid '{kid}': RSA key shorter than {MinRsaBits} bits", out why);
        }

        var rsa = System.Security.Cryptography.RSA.Create(new RSAParameters { Modulus = modulus, Exponent = Base64Url.Decode(e) });
        why = null;
        return new IssuerKey(new RsaSecurityKey(rsa) { KeyId = kid }, alg);
    }

    private static IssuerKey? Skip(string reason, out string? why)
    {
        why = reason;
        return null;
    }
}

/// <param name="Keys">Usable keys by kid.</param>
/// <param name="Skipped">Why each other entry was not taken; for the log.</param>
internal sealed record JwksKeys(IReadOnlyDictionary<string, IssuerKey> Keys, IReadOnlyList<string> Skipped);
