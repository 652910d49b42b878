namespace CredBroker.Verifier;

/// <summary>Settings of the tool-side verifier (section <c>CredBroker:Verifier</c>). Validated when the host starts.</summary>
public sealed class CredBrokerVerifierOptions
{
    /// <summary>The configuration section these settings are usually bound from: <c>CredBroker:Verifier</c>.</summary>
    public const string Section = "CredBroker:Verifier";

    /// <summary>The broker's gRPC address, for <c>WatchRevocations</c> and <c>Introspect</c>. Required.</summary>
    public Uri? BrokerAddress { get; set; }

    /// <summary>The <c>iss</c> the broker puts in its tokens (its <c>CredBroker:Issuer</c>). Required.</summary>
    public string? Issuer { get; set; }

    /// <summary>This tool server's own audience, exactly as in the broker's policy; tokens for any other are refused. Required.</summary>
    public string? Audience { get; set; }

    /// <summary>The broker's JWKS. Default: <c>/.well-known/jwks.json</c> on <see cref="BrokerAddress"/>. Must be https, or http on a loopback address.</summary>
    public Uri? JwksUri { get; set; }

    /// <summary>How often the JWKS is fetched again in the background (new keys are published before they sign). Default: 5 minutes.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Least time between two JWKS fetches, also when tokens name unknown <c>kid</c>s. Default: 30 seconds.</summary>
    public TimeSpan JwksMinRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Skew allowed on <c>exp</c> and <c>nbf</c>. Default: 30 seconds; at most 30 seconds.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How old the revocation view may be (time since the broker last proved it current with a keep-alive)
    /// before the verifier stops trusting it. Default: 5 seconds; between 1 second and 5 minutes.
    /// </summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What a stale view does: refuse every token (<see cref="StaleBehavior.Reject"/>, the default) or ask the broker's <c>Introspect</c>.</summary>
    public StaleBehavior WhenStale { get; set; } = StaleBehavior.Reject;

    /// <summary>First delay before reconnecting the revocation stream; doubled (with jitter) on each failure. Default: 100 ms.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between reconnection attempts. Default: 2 seconds; at most <see cref="MaxStaleness"/>.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Deadline of an <c>Introspect</c> call made because the view is stale. Default: 3 seconds.</summary>
    public TimeSpan IntrospectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How many validated tokens are remembered (by SHA-256 of the token, until its <c>exp</c>), so a token seen
    /// again skips the ES256 signature check; key, lifetime, scope and revocation are still checked on every call.
    /// Least recently used go first when full. 0 turns the cache off. Default: 10,000; at most 1,000,000.
    /// </summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>
    /// Returns this tool server's identity token (a JWT-SVID or OIDC token the broker trusts, for a workload
    /// with role <c>tool</c>); called for every call to the broker, so it may rotate. Required.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? IdentityToken { get; set; }
}

/// <summary>What the verifier does when it cannot prove its revocation view is fresh (invariant 3).</summary>
public enum StaleBehavior
{
    /// <summary>Refuse every token with <see cref="Core.Tokens.TokenFailure.Stale"/>: fail closed.</summary>
    Reject,

    /// <summary>Ask the broker's <c>Introspect</c>; refuse when it cannot be asked.</summary>
    Introspect,
}
