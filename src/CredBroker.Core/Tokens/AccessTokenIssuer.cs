using System.Buffers;
using System.Text;
using System.Text.Json;
using CredBroker.Core.Grants;
using CredBroker.Core.SigningKeys;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CredBroker.Core.Tokens;

/// <summary>Mints the RFC 9068 access token of a stored grant with the ring's active key.</summary>
public sealed class AccessTokenIssuer(SigningKeyRing keys, string issuer)
{
    private static readonly Dictionary<string, object> Header = new(StringComparer.Ordinal) { [JwtHeaderParameterNames.Typ] = ClaimNames.AccessTokenType };

    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Issuer { get; } = issuer;

    /// <remarks>
    /// The claims are written straight to JSON and handed to IdentityModel, which adds the header (alg,
    /// kid, typ), encodes and signs: a token descriptor would cost a third as much again as the ES256
    /// signature itself, on every grant.
    /// </remarks>
    public string Mint(GrantRecord grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(ClaimNames.Issuer, Issuer);
            json.WriteString(ClaimNames.Subject, grant.WorkloadId);
            json.WriteString(ClaimNames.ClientId, grant.WorkloadId);
            json.WriteString(ClaimNames.Audience, grant.Audience);
            json.WriteNumber(ClaimNames.IssuedAt, grant.IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber(ClaimNames.NotBefore, grant.IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber(ClaimNames.Expires, grant.ExpiresAt.ToUnixTimeSeconds());
            json.WriteString(ClaimNames.JwtId, grant.GrantId);
            json.WriteString(ClaimNames.Scope, string.Join(' ', grant.Tools));
            json.WriteString(ClaimNames.TaskId, grant.TaskId);
            json.WriteString(ClaimNames.Purpose, grant.Purpose);
            json.WriteString(ClaimNames.Owner, grant.Owner);
            json.WriteEndObject();
        }

        return handler.CreateToken(Encoding.UTF8.GetString(buffer.WrittenSpan), keys.Active.Credentials, Header);
    }
}
