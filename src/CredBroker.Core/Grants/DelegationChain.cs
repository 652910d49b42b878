namespace CredBroker.Core.Grants;

/// <summary>
/// Where a delegated grant comes from (<c>ExchangeGrant</c>). Its token carries both lists (<c>act</c>,
/// <c>ancestor_jtis</c>), so a revocation of any ancestor or a quarantine of any actor covers it by
/// rule, and a verifier needs no lookup to know the chain.
/// </summary>
/// <param name="Actors">The workloads the grant was handed to, nearest first: the holder, then each one that handed it on (the root is the grant's workload).</param>
/// <param name="Ancestors">The grant ids it descends from, root first, the parent last; as many as <paramref name="Actors"/>.</param>
public sealed record DelegationChain(IReadOnlyList<string> Actors, IReadOnlyList<string> Ancestors)
{
    /// <summary>The workload that holds the delegated grant.</summary>
    public string Holder => Actors[0];

    /// <summary>The grant it was exchanged from.</summary>
    public string ParentGrantId => Ancestors[^1];

    /// <summary>How many exchanges made it (1 for a child of a <c>RequestGrant</c> grant).</summary>
    public int Depth => Ancestors.Count;
}
