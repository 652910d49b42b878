using System.Text.Json;

namespace CredBroker.Core.Tokens;

/// <summary>
/// A JWS compact token taken apart strictly, before any key is looked at: exactly three canonical
/// base64url segments, a JSON object header and payload, no member named twice. Each check blocks an
/// attack that leans on two parsers reading one token differently.
/// </summary>
internal sealed class CompactJws : IDisposable
{
    /// <summary>9999-12-31T23:59:59Z, the last second <see cref="DateTimeOffset"/> can hold.</summary>
    private const long MaxNumericDate = 253402300799;

    private CompactJws(JsonDocument header, JsonDocument payload, ReadOnlyMemory<char> signingInput, byte[] signature)
    {
        Header = header;
        Payload = payload;
        SigningInput = signingInput;
        Signature = signature;
    }

    public JsonDocument Header { get; }

    public JsonDocument Payload { get; }

    /// <summary>ASCII <c>header.payload</c>, what the signature covers (RFC 7515 section 5.2).</summary>
    public ReadOnlyMemory<char> SigningInput { get; }

    public byte[] Signature { get; }

    public string? HeaderText(string name) =>
        Header.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public bool HasHeader(string name) => Header.RootElement.TryGetProperty(name, out _);

    /// <summary>A non-empty string claim, or null when absent, empty or not a string.</summary>
    public string? ClaimText(string name) =>
        Payload.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    /// <summary>
    /// Reads a NumericDate claim (RFC 7519 section 2) strictly: an integer number of seconds from 0 to
    /// 9999-12-31. RFC 7519 allows fractions, but no issuer we trust writes them, and "1.5", "1e9" or a
    /// string read one way here and another way by the next parser is how two views of one token start.
    /// </summary>
    /// <returns>False when the claim is present but not such an integer; <paramref name="value"/> is null when absent.</returns>
    public bool TryNumericDate(string name, out DateTimeOffset? value)
    {
        value = null;
        if (!Payload.RootElement.TryGetProperty(name, out var claim))
        {
            return true;
        }

        if (claim.ValueKind != JsonValueKind.Number || !claim.TryGetInt64(out var seconds) || seconds is < 0 or > MaxNumericDate)
        {
            return false;
        }

        value = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    public static AccessTokenValidation? TryParse(string token, out CompactJws? jws)
    {
        jws = null;
        if (token.StartsWith('{'))
        {
            return AccessTokenValidation.Fail(TokenFailure.NotCompactJws, "token is a JSON-serialised JWS; only JWS compact is accepted");
        }

        var segments = token.Split('.');
        if (segments.Length == 5)
        {
            return AccessTokenValidation.Fail(TokenFailure.NotCompactJws, "token is a JWE (five segments); only signed JWS compact is accepted");
        }

        if (segments.Length != 3)
        {
            return AccessTokenValidation.Fail(TokenFailure.Malformed, "token is not a JWS compact token (three segments)");
        }

        if (Decode(segments[0]) is not { } headerBytes)
        {
            return NonCanonical("header");
        }

        if (Decode(segments[1]) is not { } payloadBytes)
        {
            return NonCanonical("payload");
        }

        // An empty signature segment is left for the algorithm check to name ("alg: none").
        var signature = segments[2].Length == 0 ? [] : Decode(segments[2]);
        if (signature is null)
        {
            return NonCanonical("signature");
        }

        if (ParseObject(headerBytes, "header", out var header) is { } badHeader)
        {
            return badHeader;
        }

        if (ParseObject(payloadBytes, "claims", out var payload) is { } badPayload)
        {
            header!.Dispose();
            return badPayload;
        }

        jws = new CompactJws(header!, payload!, token.AsMemory(0, segments[0].Length + 1 + segments[1].Length), signature);
        return null;
    }

    public void Dispose()
    {
        Header.Dispose();
        Payload.Dispose();
    }

    private static AccessTokenValidation NonCanonical(string part) =>
        AccessTokenValidation.Fail(TokenFailure.NonCanonicalEncoding, $"token {part} is not canonical base64url (RFC 7515 section 2: no padding, no other characters, unused bits zero)");

    /// <summary>
    /// Canonical base64url only. The decoder alone would accept padding and white space, and ignores
    /// set trailing bits; so the alphabet is checked first and the bytes must encode back to the same text.
    /// </summary>
    private static byte[]? Decode(string segment)
    {
        if (segment.Length == 0 || segment.Length % 4 == 1)
        {
            return null;
        }

        foreach (var c in segment)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            {
                return null;
            }
        }

        try
        {
            var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(segment);
            return string.Equals(System.Buffers.Text.Base64Url.EncodeToString(bytes), segment, StringComparison.Ordinal) ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static AccessTokenValidation? ParseObject(byte[] json, string part, out JsonDocument? document)
    {
        document = null;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            return AccessTokenValidation.Fail(TokenFailure.Malformed, $"token {part} is not JSON");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            document = null;
            return AccessTokenValidation.Fail(TokenFailure.Malformed, $"token {part} is not a JSON object");
        }

        if (FirstDuplicate(document.RootElement) is { } name)
        {
            document.Dispose();
            document = null;
            // RFC 7515 section 5.2 / RFC 8725 section 3.x: with a repeated name, which value counts depends on the parser.
            return AccessTokenValidation.Fail(TokenFailure.DuplicateMember, $"token {part} names '{Printable(name)}' more than once");
        }

        return null;
    }

    private static string? FirstDuplicate(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!seen.Add(property.Name))
                    {
                        return property.Name;
                    }

                    if (FirstDuplicate(property.Value) is { } nested)
                    {
                        return nested;
                    }
                }

                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (FirstDuplicate(item) is { } nested)
                    {
                        return nested;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static string Printable(string name) =>
        name.Length <= 32 && name.All(c => c is >= ' ' and <= '~') ? name : "(unprintable name)";
}
