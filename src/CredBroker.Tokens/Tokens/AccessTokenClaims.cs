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

    /// <summary>RFC 8693 section 4.1: the actor of a delegated token, nested (<c>act: {sub: child, act: {sub: parent}}</c>).</summary>
    public const string Actor = "act";

    /// <summary>The grant (<c>jti</c>) a delegated token was exchanged from.</summary>
    public const string ParentJwtId = "parent_jti";

    /// <summary>Every ancestor grant id of a delegated token, root first, its parent last: a revocation of any of them covers it.</summary>
    public const string AncestorJwtIds = "ancestor_jtis";

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

    /// <summary>
    /// The actors of a delegated token, from its <c>act</c> claim, nearest first: the workload holding
    /// it, then the one that handed it over, up to the one the root (<see cref="Subject"/>) handed work to.
    /// Empty for a token from <c>RequestGrant</c>.
    /// </summary>
    public IReadOnlyList<string> Actors { get; init; } = [];

    /// <summary>
    /// The grant ids this token descends from (<c>ancestor_jtis</c>), root first, the parent last;
    /// as many as <see cref="Actors"/>. Empty for a token from <c>RequestGrant</c>.
    /// </summary>
    public IReadOnlyList<string> Ancestors { get; init; } = [];

    /// <summary>How many exchanges made this token: 0 for a token from <c>RequestGrant</c>.</summary>
    public int DelegationDepth => Ancestors.Count;

    /// <summary>The workload that holds the token: the nearest actor, or the subject when not delegated.</summary>
    public string Holder => Actors.Count > 0 ? Actors[0] : Subject;
}
