using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace CredBroker.Core.Audit;

/// <summary>Reads published audit keys (a JWKS of P-256 keys) into public keys by kid, and chain heads written as <c>SEQ:HASH</c>.</summary>
internal static class AuditKeySet
{
    /// <summary>Each key's kid must be its RFC 7638 thumbprint, so a kid names exactly one key. Throws <see cref="FormatException"/> otherwise.</summary>
    public static Dictionary<string, ECDsa> Parse(string json)
    {
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var jwk in document.RootElement.GetProperty("keys").EnumerateArray())
            {
                string Member(string name) => jwk.GetProperty(name).GetString() ?? throw new FormatException($"a key has no {name}");
                if (Member("kty") != "EC" || Member("crv") != "P-256")
                {
                    throw new FormatException("audit keys are EC P-256 keys");
                }

                var (x, y, kid) = (Member("x"), Member("y"), Member("kid"));
                if (JwkThumbprint.OfP256(x, y) != kid)
                {
                    throw new FormatException($"key {kid}: its kid is not its RFC 7638 thumbprint");
                }

                keys[kid] = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = Base64Url.Decode(x), Y = Base64Url.Decode(y) } });
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or CryptographicException)
        {
            throw new FormatException($"not a JWKS of audit keys: {e.Message}", e);
        }

        return keys;
    }

    /// <summary>Reads <c>SEQ:HASH</c> (what <c>audit verify</c> prints as last_seq and last_hash); null when malformed.</summary>
    public static AuditHead? ParseHead(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return null;
        }

        var hash = text[(colon + 1)..];
        return hash.Length == 64 && hash.All(char.IsAsciiHexDigitLower) ? new AuditHead(seq, hash) : null;
    }
}
