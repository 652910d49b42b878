using CredBroker.Core.Policy;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Revocation;

/// <summary>
/// How long a rule must be remembered after it stops covering new tokens: the longest a covered
/// token can live, plus clock skew, plus a second for whole-second <c>iat</c> (invariant 3).
/// </summary>
public sealed class RuleLifetime(IPolicySource policy, IOptions<BrokerOptions> options)
{
    public TimeSpan AfterLift => policy.Current.Limits.MaxTtl + options.Value.ClockSkew + TimeSpan.FromSeconds(1);
}
