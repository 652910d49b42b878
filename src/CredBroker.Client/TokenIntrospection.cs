namespace CredBroker.Client;

/// <summary>
/// The broker's RFC 7662 answer about an access token. Claims are present only when
/// <see cref="Active"/>; an inactive answer carries only <see cref="Reason"/>.
/// </summary>
public sealed record TokenIntrospection(bool Active, string? Reason)
{
    public string? Issuer { get; init; }

    public string? Subject { get; init; }

    public string? ClientId { get; init; }

    public string? Audience { get; init; }

    public DateTimeOffset? IssuedAt { get; init; }

    public DateTimeOffset? NotBefore { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The token's <c>jti</c>, which is its grant id.</summary>
    public string? GrantId { get; init; }

    public string? Scope { get; init; }

    public string? TaskId { get; init; }

    public string? Purpose { get; init; }

    public string? Owner { get; init; }

    public string? TokenType { get; init; }
}
