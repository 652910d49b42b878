namespace CredBroker.Client;

/// <summary>
/// The broker's RFC 7662 answer about an access token. Claims are present only when
/// <see cref="Active"/>; an inactive answer carries only <see cref="Reason"/>.
/// </summary>
/// <param name="Active">Whether the token is live now: signed by the broker, unexpired, its grant and task unrevoked.</param>
/// <param name="Reason">Why it is not active; null when it is.</param>
public sealed record TokenIntrospection(bool Active, string? Reason)
{
    /// <summary>RFC 7662 <c>iss</c>: the broker's issuer.</summary>
    public string? Issuer { get; init; }

    /// <summary>RFC 7662 <c>sub</c>: the workload the token was granted to.</summary>
    public string? Subject { get; init; }

    /// <summary>RFC 7662 <c>client_id</c>: the workload again (the same value as <see cref="Subject"/>).</summary>
    public string? ClientId { get; init; }

    /// <summary>RFC 7662 <c>aud</c>: the tool server the token is for.</summary>
    public string? Audience { get; init; }

    /// <summary>RFC 7662 <c>iat</c>: when the broker signed the token.</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>RFC 7662 <c>nbf</c>: not valid before.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>RFC 7662 <c>exp</c>: not valid from.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The token's <c>jti</c>, which is its grant id.</summary>
    public string? GrantId { get; init; }

    /// <summary>RFC 7662 <c>scope</c>: the granted tools, separated by spaces.</summary>
    public string? Scope { get; init; }

    /// <summary>The task the token is bound to.</summary>
    public string? TaskId { get; init; }

    /// <summary>The purpose stated for the grant.</summary>
    public string? Purpose { get; init; }

    /// <summary>Who is accountable for the task.</summary>
    public string? Owner { get; init; }

    /// <summary>RFC 7662 <c>token_type</c>, as the broker reports it.</summary>
    public string? TokenType { get; init; }
}
