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
            // A delegated token names its root as sub (RFC 8693 section 4.1) and the holder as the client.
            json.WriteString(ClaimNames.ClientId, grant.Delegation?.Holder ?? grant.WorkloadId);
            json.WriteString(ClaimNames.Audience, grant.Audience);
            json.WriteNumber(ClaimNames.IssuedAt, grant.IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber(ClaimNames.NotBefore, grant.IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber(ClaimNames.Expires, grant.ExpiresAt.ToUnixTimeSeconds());
            json.WriteString(ClaimNames.JwtId, grant.GrantId);
            json.WriteString(ClaimNames.Scope, string.Join(' ', grant.Tools));
            json.WriteString(ClaimNames.TaskId, grant.TaskId);
            json.WriteString(ClaimNames.Purpose, grant.Purpose);
            json.WriteString(ClaimNames.Owner, grant.Owner);
            if (grant.Delegation is { } chain)
            {
                WriteChain(json, chain);
            }

            json.WriteEndObject();
        }

        return handler.CreateToken(Encoding.UTF8.GetString(buffer.WrittenSpan), keys.Active.Credentials, Header);
    }

    /// <summary><c>act</c> nested nearest actor outermost (RFC 8693 section 4.1), then the ancestor grants that revoke it.</summary>
    private static void WriteChain(Utf8JsonWriter json, DelegationChain chain)
    {
        json.WritePropertyName(ClaimNames.Actor);
        for (var i = 0; i < chain.Actors.Count; i++)
        {
            json.WriteStartObject();
            json.WriteString(ClaimNames.Subject, chain.Actors[i]);
            if (i < chain.Actors.Count - 1)
            {
                json.WritePropertyName(ClaimNames.Actor);
            }
        }

        for (var i = 0; i < chain.Actors.Count; i++)
        {
            json.WriteEndObject();
        }

        json.WriteString(ClaimNames.ParentJwtId, chain.ParentGrantId);
        json.WriteStartArray(ClaimNames.AncestorJwtIds);
        foreach (var ancestor in chain.Ancestors)
        {
            json.WriteStringValue(ancestor);
        }

        json.WriteEndArray();
    }
}
