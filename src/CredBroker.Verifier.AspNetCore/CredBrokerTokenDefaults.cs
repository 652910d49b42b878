namespace CredBroker.Verifier.AspNetCore;

/// <summary>Names the CredBroker authentication scheme puts on requests, for policies and handlers that refer to them.</summary>
public static class CredBrokerTokenDefaults
{
    /// <summary>The authentication scheme name used by <c>AddCredBrokerToken()</c>.</summary>
    public const string AuthenticationScheme = "CredBroker";

    /// <summary>Claim type carrying one granted tool each (the token's <c>scope</c>, split).</summary>
    public const string ToolClaim = "scope";
}
