using CredBroker.Core.Grants;
using CredBroker.Core.SigningKeys;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CredBroker.Core.Tokens;

/// <summary>Mints the RFC 9068 access token of a stored grant with the ring's active key.</summary>
public sealed class AccessTokenIssuer(SigningKeyRing keys, string issuer)
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Issuer { get; } = issuer;

    public string Mint(GrantRecord grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = grant.Audience,
            IssuedAt = grant.IssuedAt.UtcDateTime,
            NotBefore = grant.IssuedAt.UtcDateTime,
            Expires = grant.ExpiresAt.UtcDateTime,
            TokenType = ClaimNames.AccessTokenType,
            SigningCredentials = keys.Active.Credentials,
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [ClaimNames.Subject] = grant.WorkloadId,
                [ClaimNames.ClientId] = grant.WorkloadId,
                [ClaimNames.JwtId] = grant.GrantId,
                [ClaimNames.Scope] = string.Join(' ', grant.Tools),
                [ClaimNames.TaskId] = grant.TaskId,
                [ClaimNames.Purpose] = grant.Purpose,
                [ClaimNames.Owner] = grant.Owner,
            },
        };
        return handler.CreateToken(descriptor);
    }
}
