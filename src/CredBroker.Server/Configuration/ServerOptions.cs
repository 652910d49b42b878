namespace CredBroker.Server.Configuration;

/// <summary>
/// Host settings (section <c>CredBroker</c>) beside <see cref="Core.BrokerOptions"/>; the Redis settings of the same
/// section (<c>CredBroker:Redis</c>, <c>CredBroker:RedisKeyPrefix</c>, …) are <see cref="Redis.RedisStoreOptions"/>'s.
/// </summary>
public sealed class ServerOptions
{
    /// <summary><c>memory</c> (one process, the default) or <c>redis</c> (durable, several replicas).</summary>
    public string Store { get; set; } = "memory";

    /// <summary>Trust the local dev identity issuer. Default: true in the Development environment, false elsewhere.</summary>
    public bool? DevIdentities { get; set; }

    /// <summary>
    /// An extra HTTP/1.1 listener for JWKS, metadata and health, for clients that cannot speak
    /// cleartext HTTP/2. Default: <c>http://127.0.0.1:5081</c> when no URL is configured, none otherwise.
    /// </summary>
    public string? HttpUrl { get; set; }

    /// <summary>
    /// The base URL clients use to reach the HTTP/1.1 listener (behind a proxy or load balancer, say),
    /// advertised as <c>jwks_uri</c> in the RFC 8414 metadata. Default: the <see cref="HttpUrl"/> listener's
    /// own address and port (a wildcard host such as <c>0.0.0.0</c> replaced by the issuer's host), or the
    /// issuer when there is no such listener.
    /// </summary>
    public string? PublicHttpUrl { get; set; }

    /// <summary>
    /// Serve gRPC server reflection (the standard <c>ServerReflection</c> service), so <c>grpcurl</c> can list and call
    /// the services without the protos. Default: true in the Development environment, false elsewhere.
    /// </summary>
    public bool? GrpcReflection { get; set; }

    /// <summary>Largest gRPC message accepted, in bytes. Default: 2 MiB.</summary>
    public int MaxMessageBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>How often the policy file's hash is checked, besides the file watcher (which misses events on some file systems). Default: 5 seconds.</summary>
    public TimeSpan PolicyCheckInterval { get; set; } = TimeSpan.FromSeconds(5);
}
