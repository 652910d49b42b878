using CredBroker.Verifier.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the CredBroker token scheme and the tool requirement to an ASP.NET Core tool server; in this namespace so
/// they are found without a <c>using</c>.
/// </summary>
public static class CredBrokerAspNetCoreExtensions
{
    /// <summary>
    /// Adds the CredBroker token scheme (<see cref="CredBrokerTokenDefaults.AuthenticationScheme"/>) and the handler of
    /// <see cref="CredBrokerToolRequirement"/>. Needs <c>AddCredBrokerVerifier(...)</c> for the token checks.
    /// </summary>
    public static AuthenticationBuilder AddCredBrokerToken(this AuthenticationBuilder builder, Action<CredBrokerTokenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, CredBrokerToolHandler>());
        return builder.AddScheme<CredBrokerTokenOptions, CredBrokerTokenHandler>(CredBrokerTokenDefaults.AuthenticationScheme, configure);
    }

    /// <summary>Requires a CredBroker token (this scheme) that grants <paramref name="tool"/>.</summary>
    public static AuthorizationPolicyBuilder RequireCredBrokerTool(this AuthorizationPolicyBuilder policy, string tool)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentException.ThrowIfNullOrEmpty(tool);
        return policy
            .AddAuthenticationSchemes(CredBrokerTokenDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new CredBrokerToolRequirement(tool));
    }
}
