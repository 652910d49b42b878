using System.Security.Cryptography.X509Certificates;
using CredBroker.Core.Identity;
using CredBroker.Server.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Auth;

/// <summary>Server certificate and client-certificate (X.509-SVID) settings for every <c>https</c> listener.</summary>
public static class TlsRegistration
{
    public static void AddBrokerTls(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(TlsOptions.Section);
        builder.Services.AddOptions<TlsOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TlsOptions>, TlsOptionsValidator>();
        builder.Services.AddSingleton(sp => new X509SvidValidator(
            sp.GetRequiredService<IOptions<TlsOptions>>().Value.TrustBundles
                .Select(b => new TrustBundle(b.TrustDomain!, CertificateChains.LoadPem(b.CaFile!))),
            sp.GetRequiredService<TimeProvider>()));

        var tls = section.Get<TlsOptions>() ?? new TlsOptions();
        if (tls.CertificateFile is null && tls.TrustBundles.Count == 0)
        {
            return;
        }

        // Https defaults reach every https listener, whether BrokerHost or Kestrel:Endpoints made it.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            if (tls.CertificateFile is { } certificateFile)
            {
                (https.ServerCertificate, https.ServerCertificateChain) = LoadServerCertificate(certificateFile, tls.KeyFile);
            }

            if (tls.TrustBundles.Count > 0)
            {
                https.ClientCertificateMode = tls.RequireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.AllowCertificate;
                // The handshake takes any certificate; CallerAuthenticator then checks it as an X.509-SVID
                // against the bundle of its own trust domain, so a bad certificate gets UNAUTHENTICATED
                // with a reason instead of a bare TLS failure, and nothing else reads the certificate.
                https.AllowAnyClientCertificate();
            }
        }));
    }

    private static (X509Certificate2 Certificate, X509Certificate2Collection Chain) LoadServerCertificate(string certificateFile, string? keyFile)
    {
        if (!File.Exists(certificateFile) || (keyFile is not null && !File.Exists(keyFile)))
        {
            throw new OptionsValidationException(TlsOptions.Section, typeof(TlsOptions), [$"{TlsOptions.Section}:CertificateFile or KeyFile names a file that does not exist"]);
        }

        var certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        if (OperatingSystem.IsWindows())
        {
            // SChannel cannot use an ephemeral PEM key; a PKCS#12 round trip persists it in memory.
            certificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }

        var all = CertificateChains.LoadPem(certificateFile);
        var chain = new X509Certificate2Collection();
        chain.AddRange(all.Skip(1).ToArray());
        return (certificate, chain);
    }
}

/// <summary>Refuses TLS settings that cannot work, naming the setting.</summary>
public sealed class TlsOptionsValidator : IValidateOptions<TlsOptions>
{
    public ValidateOptionsResult Validate(string? name, TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var at = TlsOptions.Section;
        if (options.CertificateFile is { } certificate && !File.Exists(certificate))
        {
            problems.Add($"{at}:CertificateFile '{certificate}' does not exist");
        }

        if (options.KeyFile is { } key && (options.CertificateFile is null || !File.Exists(key)))
        {
            problems.Add($"{at}:KeyFile '{key}' needs {at}:CertificateFile and must exist");
        }

        if (options.RequireClientCertificate && options.TrustBundles.Count == 0)
        {
            problems.Add($"{at}:RequireClientCertificate needs at least one {at}:TrustBundles entry");
        }

        var domains = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.TrustBundles.Count; i++)
        {
            var bundle = options.TrustBundles[i];
            if (bundle.TrustDomain is not { } domain || !SpiffeId.IsValid("spiffe://" + domain) || domain.Contains('/', StringComparison.Ordinal))
            {
                problems.Add($"{at}:TrustBundles:{i}:TrustDomain must be a SPIFFE trust domain, e.g. example.org");
            }
            else if (!domains.Add(domain))
            {
                problems.Add($"{at}:TrustBundles:{i}:TrustDomain '{domain}' has two bundles; put all its CAs in one CaFile");
            }

            if (bundle.CaFile is not { } ca || !File.Exists(ca))
            {
                problems.Add($"{at}:TrustBundles:{i}:CaFile must name an existing PEM file of the domain's CA certificates");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
