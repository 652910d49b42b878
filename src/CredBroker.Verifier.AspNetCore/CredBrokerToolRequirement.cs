using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace CredBroker.Verifier.AspNetCore;

/// <summary>"The request's CredBroker token grants tool X": the token was accepted by the CredBroker scheme and X is in its scope.</summary>
public sealed class CredBrokerToolRequirement(string tool) : IAuthorizationRequirement
{
    public string Tool { get; } = tool;

    public override string ToString() => $"CredBroker token granting tool '{Tool}'";
}

public sealed class CredBrokerToolHandler : AuthorizationHandler<CredBrokerToolRequirement>
{
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

    /// <summary>The tools this request's token was found not to grant.</summary>
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
