using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Identity;

/// <summary>The issuers configured in <see cref="IdentityOptions"/> (plus the dev issuer when on), each with its key set.</summary>
public sealed class TrustedIssuers : IDisposable
{
    private readonly List<JwksKeySet> owned = [];

    public TrustedIssuers(IOptions<IdentityOptions> options, IOptions<BrokerOptions> broker, TimeProvider time, ILoggerFactory loggers, DevIdentityIssuer? dev = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(loggers);
        var all = new List<TrustedIssuer>();
        var keySets = new List<(string Setting, JwksKeySet Keys, bool FromFile)>();
        var logger = loggers.CreateLogger<JwksKeySet>();
        for (var i = 0; i < options.Value.Issuers.Count; i++)
        {
            var o = options.Value.Issuers[i];
            var setting = $"{IdentityOptions.Section}:Issuers:{i}:" + (o.JwksFile is null ? nameof(o.JwksUri) : nameof(o.JwksFile));
            IJwksSource source = o.JwksFile is { } file
                ? new FileJwksSource(file)
                : new HttpsJwksSource(new Uri(o.JwksUri!), o.CaFile, time);
            var keys = new JwksKeySet(source, o.Issuer!, o.RefreshInterval, o.MinRefreshInterval, time, logger);
            owned.Add(keys);
            keySets.Add((setting, keys, o.JwksFile is not null));
            all.Add(new TrustedIssuer
            {
                Issuer = o.Issuer!,
                Audience = o.Audience ?? broker.Value.IdentityAudience,
                Keys = keys,
                Algorithms = o.Algorithms.Count > 0 ? [.. o.Algorithms] : IdentityIssuerOptions.AsymmetricAlgorithms,
                TrustDomains = [.. o.TrustDomains],
                SubjectClaim = o.SubjectClaim,
                SubjectTrustDomain = o.SubjectTrustDomain,
                KeySource = $"{setting} {o.JwksFile ?? o.JwksUri}",
            });
        }

        if (dev is not null)
        {
            all.Add(dev.Trust());
        }

        All = all;
        KeySets = keySets;
    }

    public IReadOnlyList<TrustedIssuer> All { get; }

    /// <summary>The fetched key sets, with the setting that names each; loaded at start.</summary>
    public IReadOnlyList<(string Setting, JwksKeySet Keys, bool FromFile)> KeySets { get; }

    public void Dispose()
    {
        foreach (var keys in owned)
        {
            keys.Dispose();
        }
    }
}
