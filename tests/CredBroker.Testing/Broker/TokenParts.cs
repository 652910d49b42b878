using System.Text;
using System.Text.Json;

namespace CredBroker.Testing.Broker;

/// <summary>Reads a JWS compact token by hand, without the library under test.</summary>
public sealed record TokenParts(JsonElement Header, JsonElement Payload, string SigningInput, byte[] Signature)
{
    public static TokenParts Parse(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException("not a JWS compact token");
        }

        return new TokenParts(
            JsonDocument.Parse(Decode(parts[0])).RootElement,
            JsonDocument.Parse(Decode(parts[1])).RootElement,
            parts[0] + "." + parts[1],
            Decode(parts[2]));
    }

    public static byte[] Decode(string segment) => System.Buffers.Text.Base64Url.DecodeFromChars(segment);

    public static string Encode(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public static string Encode(string text) => Encode(Encoding.UTF8.GetBytes(text));
}
