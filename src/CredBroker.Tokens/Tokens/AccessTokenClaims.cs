namespace CredBroker.Core.Tokens;

/// <summary>Claim names of a CredBroker access token (RFC 9068 plus the task binding). Shared by broker and verifier so they cannot drift.</summary>
public static class ClaimNames
{
    /// <summary>RFC 7519 <c>iss</c>: the broker's issuer URL, compared exactly.</summary>
    public const string Issuer = "iss";
    /// <summary>RFC 7519 <c>sub</c>: the workload the token was granted to (its SPIFFE ID or OIDC subject).</summary>
    public const string Subject = "sub";
    /// <summary>RFC 9068 <c>client_id</c>: the workload again (the same value as <c>sub</c>).</summary>
    public const string ClientId = "client_id";
    /// <summary>RFC 7519 <c>aud</c>: exactly one, the tool server that hosts the granted tools; a verifier accepts only its own.</summary>
    public const string Audience = "aud";
    /// <summary>RFC 7519 <c>iat</c>, in whole seconds; revocation rules compare it with their lift time.</summary>
    public const string IssuedAt = "iat";
    /// <summary>RFC 7519 <c>nbf</c>, in whole seconds.</summary>
    public const string NotBefore = "nbf";
    /// <summary>RFC 7519 <c>exp</c>, in whole seconds.</summary>
    public const string Expires = "exp";
    /// <summary>RFC 7519 <c>jti</c>: the grant id, which a revocation of one grant names.</summary>
    public const string JwtId = "jti";
    /// <summary>RFC 9068 <c>scope</c>: the granted tools, separated by single spaces.</summary>
    public const string Scope = "scope";
    /// <summary>The task the token is bound to; it dies with the task.</summary>
    public const string TaskId = "task_id";
    /// <summary>The purpose the agent stated for the grant, as recorded in the audit log.</summary>
    public const string Purpose = "purpose";
    /// <summary>The person or team accountable for the task.</summary>
    public const string Owner = "owner";

    /// <summary>RFC 8693 section 4.1: the actor of a delegated token, nested (<c>act: {sub: child, act: {sub: parent}}</c>).</summary>
    public const string Actor = "act";

    /// <summary>The grant (<c>jti</c>) a delegated token was exchanged from.</summary>
    public const string ParentJwtId = "parent_jti";

    /// <summary>Every ancestor grant id of a delegated token, root first, its parent last: a revocation of any of them covers it.</summary>
    public const string AncestorJwtIds = "ancestor_jtis";

    /// <summary>RFC 9068 section 2.1: the JOSE <c>typ</c> of an access token.</summary>
    public const string AccessTokenType = "at+jwt";

    /// <summary>The only JOSE <c>alg</c> the broker signs with and a verifier accepts.</summary>
    public const string Algorithm = "ES256";
}

/// <summary>The claims of a validated access token: what a tool server may rely on once the verifier accepted it.</summary>
/// <param name="Issuer">The broker's issuer (<c>iss</c>).</param>
/// <param name="Subject">The workload the token was granted to (<c>sub</c>).</param>
/// <param name="ClientId">The workload again (<c>client_id</c>, the same value as <c>sub</c>).</param>
/// <param name="Audience">The tool server the token is for (<c>aud</c>).</param>
/// <param name="IssuedAt">When the broker signed it (<c>iat</c>), whole seconds, UTC.</param>
/// <param name="NotBefore">Not valid before (<c>nbf</c>), whole seconds, UTC.</param>
/// <param name="ExpiresAt">Not valid from (<c>exp</c>), whole seconds, UTC.</param>
/// <param name="JwtId">The grant id (<c>jti</c>).</param>
/// <param name="Scope">The granted tools, in the order of the token's <c>scope</c>.</param>
/// <param name="TaskId">The task the token is bound to (<c>task_id</c>).</param>
/// <param name="Purpose">The purpose stated for the grant.</param>
/// <param name="Owner">Who is accountable for the task.</param>
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
    /// <summary>The granted tools as the token's <c>scope</c> carries them: one string, separated by spaces.</summary>
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
