using Microsoft.Extensions.Options;

namespace CredBroker.Core.Identity;

/// <summary>
/// Refuses an issuer configuration that would weaken authentication, naming the setting at fault.
/// Every problem is reported at once so an operator fixes the file in one pass.
/// </summary>
/// <param name="withoutIssuers">
/// Asked when no issuer is configured: the problem to report when callers would then have no way in (the host
/// knows the others: client certificates, dev identities), or null when they have one. Default: none asked.
/// </param>
public sealed class IdentityOptionsValidator(IOptions<BrokerOptions> broker, Func<string?>? withoutIssuers = null) : IValidateOptions<IdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal) { DevIdentityIssuer.IssuerName };
        for (var i = 0; i < options.Issuers.Count; i++)
        {
            Check(options.Issuers[i], $"{IdentityOptions.Section}:Issuers:{i}", names, problems);
        }

        if (options.Issuers.Count == 0 && withoutIssuers?.Invoke() is { } noWayIn)
        {
            problems.Add(noWayIn);
        }

        if (options.MaxTokenLifetime < TimeSpan.FromMinutes(1) || options.MaxTokenLifetime > TimeSpan.FromDays(30))
        {
            problems.Add($"{IdentityOptions.Section}:{nameof(IdentityOptions.MaxTokenLifetime)} must be between 00:01:00 and 30.00:00:00 (default 1.00:00:00)");
        }

        if (options.CacheMaxAge < TimeSpan.Zero || options.CacheMaxAge > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{IdentityOptions.Section}:{nameof(IdentityOptions.CacheMaxAge)} must be between 00:00:00 (no cache) and 00:10:00 (default 00:01:00)");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private void Check(IdentityIssuerOptions issuer, string at, HashSet<string> names, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(issuer.Issuer))
        {
            problems.Add($"{at}:Issuer is required (the exact 'iss' of the issuer's tokens)");
        }
        else if (string.Equals(issuer.Issuer, broker.Value.Issuer, StringComparison.Ordinal))
        {
            // Our own access tokens must never pass as identities, whatever their typ says.
            problems.Add($"{at}:Issuer must not be the broker's own CredBroker:Issuer");
        }
        else if (!names.Add(issuer.Issuer))
        {
            problems.Add($"{at}:Issuer '{issuer.Issuer}' is trusted twice (or is the dev issuer's name); each issuer has one entry");
        }

        CheckKeySource(issuer, at, problems);

        foreach (var alg in issuer.Algorithms.Where(a => !IdentityIssuerOptions.AsymmetricAlgorithms.Contains(a, StringComparer.Ordinal)))
        {
            problems.Add($"{at}:Algorithms: '{alg}' is not allowed; use asymmetric algorithms only ({string.Join(", ", IdentityIssuerOptions.AsymmetricAlgorithms)})");
        }

        if (issuer.TrustDomains.Count == 0)
        {
            problems.Add($"{at}:TrustDomains must name at least one SPIFFE trust domain the issuer may vouch for, e.g. example.org");
        }

        foreach (var domain in issuer.TrustDomains.Where(d => !SpiffeId.IsValid("spiffe://" + d) || d.Contains('/', StringComparison.Ordinal)))
        {
            problems.Add($"{at}:TrustDomains: '{domain}' is not a trust domain (lower-case letters, digits, '.', '-', '_')");
        }

        if (string.IsNullOrWhiteSpace(issuer.SubjectClaim))
        {
            problems.Add($"{at}:SubjectClaim must name a claim (default 'sub')");
        }

        if (issuer.SubjectTrustDomain is { } mapped && !issuer.TrustDomains.Contains(mapped, StringComparer.Ordinal))
        {
            problems.Add($"{at}:SubjectTrustDomain '{mapped}' must be one of its TrustDomains");
        }

        if (issuer.MinRefreshInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"{at}:MinRefreshInterval must be at least 1 second, so the issuer is never hammered");
        }

        if (issuer.RefreshInterval < issuer.MinRefreshInterval)
        {
            problems.Add($"{at}:RefreshInterval must be at least MinRefreshInterval");
        }
    }

    private static void CheckKeySource(IdentityIssuerOptions issuer, string at, List<string> problems)
    {
        var hasFile = !string.IsNullOrWhiteSpace(issuer.JwksFile);
        var hasUri = !string.IsNullOrWhiteSpace(issuer.JwksUri);
        if (hasFile == hasUri)
        {
            problems.Add($"{at}: set exactly one of JwksFile and JwksUri");
        }

        if (hasUri && (!Uri.TryCreate(issuer.JwksUri, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps))
        {
            // Keys fetched in the clear could be swapped by anyone on the path.
            problems.Add($"{at}:JwksUri must be an absolute https URL");
        }

        if (hasFile && !File.Exists(issuer.JwksFile))
        {
            problems.Add($"{at}:JwksFile '{issuer.JwksFile}' does not exist");
        }

        if (issuer.CaFile is { Length: > 0 } ca)
        {
            if (!hasUri)
            {
                problems.Add($"{at}:CaFile applies only to a JwksUri");
            }
            else if (!File.Exists(ca))
            {
                problems.Add($"{at}:CaFile '{ca}' does not exist");
            }
        }
    }
}
