using CredBroker.Core;
using CredBroker.Core.DependencyInjection;
using CredBroker.Core.Identity;
using CredBroker.Core.SigningKeys;
using CredBroker.Redis;
using CredBroker.Server.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Auth;

/// <summary>How callers prove who they are: trusted token issuers, X.509-SVIDs, and the dev issuer for local use.</summary>
public static class IdentityRegistration
{
    public static void AddBrokerIdentity(this WebApplicationBuilder builder, CredBrokerBuilder broker, ServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(server);
        var services = builder.Services;

        // Off outside Development unless asked for: whoever can read the key directory could mint any identity.
        var devIdentities = server.DevIdentities ?? builder.Environment.IsDevelopment();
        services.AddOptions<IdentityOptions>()
            .Bind(builder.Configuration.GetSection(IdentityOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdentityOptions>>(sp => new IdentityOptionsValidator(
            sp.GetRequiredService<IOptions<BrokerOptions>>(),
            () => devIdentities || sp.GetRequiredService<IOptions<TlsOptions>>().Value.TrustBundles.Count > 0
                ? null
                : "no identity issuer or trust bundle is configured, so no caller could authenticate: set CredBroker:Identity:Issuers " +
                  "or CredBroker:Tls:TrustBundles (for local use only, CredBroker:DevIdentities=true, or pass --dev)"));

        if (devIdentities)
        {
            services.AddSingleton(sp => new DevIdentityIssuer(
                sp.GetRequiredService<IOptions<SigningKeyOptions>>().Value.KeyDirectory,
                sp.GetRequiredService<IOptions<BrokerOptions>>().Value.IdentityAudience,
                sp.GetRequiredService<TimeProvider>()));
        }

        services.TryAddSingleton<IIdentityReplayGuard, InMemoryIdentityReplayGuard>();
        if (string.Equals(server.Store, "redis", StringComparison.OrdinalIgnoreCase))
        {
            broker.UseRedisIdentityReplayGuard();
        }

        services.AddSingleton(sp => new TrustedIssuers(
            sp.GetRequiredService<IOptions<IdentityOptions>>(),
            sp.GetRequiredService<IOptions<BrokerOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<DevIdentityIssuer>()));
        services.AddSingleton(sp => new IdentityTokenValidator(
            sp.GetRequiredService<TrustedIssuers>().All,
            sp.GetRequiredService<IOptions<BrokerOptions>>().Value.ClockSkew,
            sp.GetRequiredService<IOptions<IdentityOptions>>().Value.MaxTokenLifetime,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<IdentityOptions>>().Value.RequireUniqueJti ? sp.GetRequiredService<IIdentityReplayGuard>() : null));
        services.AddSingleton<IdentityCache>();
        services.AddSingleton<CallerAuthenticator>();
        services.AddHostedService<IdentityWarmUp>();
    }
}
