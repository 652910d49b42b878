using Microsoft.AspNetCore.Authorization;

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

        return Task.CompletedTask;
    }
}
