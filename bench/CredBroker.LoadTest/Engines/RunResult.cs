namespace CredBroker.LoadTest.Engines;

/// <summary>
/// What one measured run produced. <see cref="Outcomes"/> counts calls by how they ended: as the
/// .NET client saw them, or for h2load (which cannot read gRPC trailers) as the broker counted them.
/// </summary>
public sealed record RunResult(
    string Scenario,
    string Engine,
    int Concurrency,
    int Connections,
    double Seconds,
    long Requests,
    double RequestsPerSecond,
    Latency Latency,
    IReadOnlyDictionary<string, long> Outcomes,
    string OutcomeSource)
{
    /// <summary>Largest resident memory of the broker's process seen during the run, in bytes.</summary>
    public long? BrokerResidentMaxBytes { get; init; }

    /// <summary>This run's requests/s over the ceiling's (health Check), same engine and concurrency.</summary>
    public double? FractionOfCeiling { get; init; }

    /// <summary>This run's p99 over the ceiling's p99.</summary>
    public double? P99OverCeiling { get; init; }

    /// <summary>
    /// Calls that did not succeed. For h2load, calls cancelled because it closed its connections at
    /// the end of the run (at most one per stream in flight) are its way of stopping, not errors.
    /// </summary>
    public long Errors => Outcomes.Where(o => o.Key != "OK" && !(o.Key == "Cancelled" && Engine == "h2load" && o.Value <= Concurrency)).Sum(o => o.Value);
}
