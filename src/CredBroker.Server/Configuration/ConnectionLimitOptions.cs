namespace CredBroker.Server.Configuration;

/// <summary>
/// Bounds on what one client can hold open (section <c>CredBroker:Limits</c>), so a single identity
/// or a flood of connections cannot slow every other caller. Checked at start (<see cref="ConnectionLimitOptionsValidator"/>).
/// </summary>
public sealed class ConnectionLimitOptions
{
    public const string Section = "CredBroker:Limits";

    /// <summary>Open connections Kestrel accepts at once, over all listeners; more wait in the accept queue. Default: 4096.</summary>
    public long MaxConnections { get; set; } = 4096;

    /// <summary>Concurrent HTTP/2 streams (RPCs) on one connection. Default: 256.</summary>
    public int MaxStreamsPerConnection { get; set; } = 256;

    /// <summary>How long an idle connection is kept. Default: 2 minutes.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a client may take to send its request headers (slow-loris). Default: 30 seconds.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>WatchRevocations</c> streams one identity may hold open on one replica; one more is
    /// RESOURCE_EXHAUSTED. A tool server needs one per process. Default: 32.
    /// </summary>
    public int MaxWatchStreamsPerIdentity { get; set; } = 32;

    /// <summary>
    /// <c>AwaitApproval</c> calls one identity may have parked on one replica; one more is
    /// RESOURCE_EXHAUSTED. Default: 16.
    /// </summary>
    public int MaxAwaitingApprovalsPerIdentity { get; set; } = 16;
}
