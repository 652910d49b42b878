namespace CredBroker.Verifier.AspNetCore;

public static class CredBrokerTokenDefaults
{
    /// <summary>The authentication scheme name used by <c>AddCredBrokerToken()</c>.</summary>
    public const string AuthenticationScheme = "CredBroker";

    /// <summary>Claim type carrying one granted tool each (the token's <c>scope</c>, split).</summary>
    public const string ToolClaim = "scope";
}
