namespace CredBroker.Core;

/// <summary>Settings of the broker itself (section <c>CredBroker</c>).</summary>
public sealed class BrokerOptions
{
    public const string Section = "CredBroker";

    /// <summary>The <c>iss</c> of every access token and the RFC 8414 issuer identifier. Default: <c>http://127.0.0.1:5080</c>.</summary>
    public string Issuer { get; set; } = "http://127.0.0.1:5080";

    /// <summary>The policy file (YAML). Required outside the dev profile, which defaults to the bundled dev policy.</summary>
    public string? PolicyFile { get; set; }

    /// <summary>The audience identity tokens must carry to be accepted by this broker. Default: <c>credbroker</c>.</summary>
    public string IdentityAudience { get; set; } = "credbroker";

    /// <summary>Clock skew allowed on identity and access tokens. Default: 30 seconds; at most 30 seconds.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
