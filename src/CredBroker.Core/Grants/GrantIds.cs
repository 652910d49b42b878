using System.Security.Cryptography;

namespace CredBroker.Core.Grants;

/// <summary>Grant ids are the token's <c>jti</c>: 128 random bits, base64url, unguessable.</summary>
public static class GrantIds
{
    public const int MaxLength = 64;

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return "g_" + Base64Url.Encode(bytes);
    }

    public static bool IsWellFormed(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
