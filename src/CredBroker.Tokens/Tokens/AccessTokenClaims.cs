namespace CredBroker.Core.Tokens;

/// <summary>Claim names of a CredBroker access token (RFC 9068 plus the task binding). Shared by broker and verifier so they cannot drift.</summary>
public static class ClaimNames
{
    public const string Issuer = "iss";
    public const string Subject = "sub";
    public const string ClientId = "client_id";
    public const string Audience = "aud";
    public const string IssuedAt = "iat";
    public const string NotBefore = "nbf";
    public const string Expires = "exp";
    public const string JwtId = "jti";
    public const string Scope = "scope";
    public const string TaskId = "task_id";
    public const string Purpose = "purpose";
    public const string Owner = "owner";

    /// <summary>RFC 9068 section 2.1: the JOSE <c>typ</c> of an access token.</summary>
    public const string AccessTokenType = "at+jwt";

    public const string Algorithm = "ES256";
}

/// <summary>The claims of a validated access token.</summary>
public sealed record AccessTokenClaims(
    string Issuer,
    string Subject,
    string ClientId,
    string Audience,
    DateTimeOffset IssuedAt,
    DateTimeOffset NotBefore,
    DateTimeOffset ExpiresAt,
    string JwtId,
    IReadOnlyList<string> Scope,
    string TaskId,
    string Purpose,
    string Owner)
{
    public string ScopeText => string.Join(' ', Scope);
}
