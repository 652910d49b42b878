using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace CredBroker.Verifier.AspNetCore;

/// <summary>"The request's CredBroker token grants tool X": the token was accepted by the CredBroker scheme and X is in its scope.</summary>
public sealed class CredBrokerToolRequirement(string tool) : IAuthorizationRequirement
{
    /// <summary>The tool the token's <c>scope</c> must contain, compared exactly (ordinal).</summary>
    public string Tool { get; } = tool;

    /// <summary>Names the requirement in authorization logs.</summary>
    public override string ToString() => $"CredBroker token granting tool '{Tool}'";
}

/// <summary>
/// Decides <see cref="CredBrokerToolRequirement"/>: met only by an identity the CredBroker scheme authenticated whose
/// token grants the tool. A tool not granted is remembered on the request (<see cref="Missing"/>) so the 403
/// challenge names it as the RFC 6750 <c>scope</c> the client should ask for. Registered by <c>AddCredBrokerToken()</c>.
/// </summary>
public sealed class CredBrokerToolHandler : AuthorizationHandler<CredBrokerToolRequirement>
{
    /// <summary>Succeeds when the CredBroker identity of the request grants the tool; otherwise records the tool as missing and leaves the requirement unmet.</summary>
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, CredBrokerToolRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        // Only an identity the CredBroker scheme made counts: a "scope" claim from another scheme proves nothing here.
        var granted = context.User.Identities.Any(i =>
            i.IsAuthenticated
            && i.AuthenticationType == CredBrokerTokenDefaults.AuthenticationScheme
            && i.HasClaim(CredBrokerTokenDefaults.ToolClaim, requirement.Tool));
        if (granted)
        {
            context.Succeed(requirement);
        }
        else if (context.Resource is HttpContext http)
        {
            // The 403 challenge names the tool (RFC 6750 section 3.1 scope), so a client can ask for it.
            Missing(http).Add(requirement.Tool);
        }

        return Task.CompletedTask;
    }

    private const string MissingItem = "CredBroker.MissingTools";

    /// <summary>
    /// The tools this request's token was found not to grant, which the 403 challenge lists. A handler that refuses a
    /// tool by its own check (e.g. an MCP tool call) adds it here before <c>ForbidAsync</c>, so the challenge names it too.
    /// </summary>
    public static IList<string> Missing(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Items[MissingItem] is not List<string> missing)
        {
            http.Items[MissingItem] = missing = [];
        }

        return missing;
    }
}
