using Microsoft.Extensions.Logging;

namespace CredBroker.Server;

/// <summary>
/// Every log line of <c>CredBroker.Server</c>, so its event ids are read in one place. Ids by area:
/// <list type="table">
/// <item><term>3200–3299</term><description>revocation maintenance</description></item>
/// <item><term>4000–4099</term><description>start-up and signing keys</description></item>
/// <item><term>6000–6099</term><description>callers: authentication, authorization, the token endpoint</description></item>
/// <item><term>6100–6199</term><description>the policy file</description></item>
/// </list>
/// A test (LogEventIdTests) keeps every id unique and inside its assembly's ranges.
/// </summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Debug, Message = "Revocation {Task} skipped: store unavailable")]
    internal static partial void RevocationMaintenanceSkipped(ILogger logger, Exception error, string task);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "signing keys: {KeyDirectory}")]
    internal static partial void BrokerStartupKeyDirectory(ILogger logger, string keyDirectory);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Signing keys changed: published {Added}; unpublished {Removed}; active {Active}")]
    internal static partial void KeyRingRefreshKeysChanged(ILogger logger, string added, string removed, string active);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Could not reread the key directory {Directory}; the keys already loaded stay in use")]
    internal static partial void KeyRingRefreshReloadFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Refused unauthenticated call to {Method}: {Reason}")]
    internal static partial void AuthorizationInterceptorUnauthenticated(ILogger logger, string method, string reason);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Refused {Caller} on {Method}: needs role {Role}")]
    internal static partial void AuthorizationInterceptorForbidden(ILogger logger, string caller, string method, string role);

    [LoggerMessage(EventId = 6020, Level = LogLevel.Information, Message = "Identity: trusting {Count} issuers ({Issuers}); client certificates: {Certificates}; single-use identity tokens: {SingleUse}")]
    internal static partial void IdentityWarmUpReady(ILogger logger, int count, string issuers, bool certificates, bool singleUse);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "Dev identities are on in the {Environment} environment: anyone who can read the key directory can mint any identity. Use real issuers outside local development.")]
    internal static partial void IdentityWarmUpDevIdentitiesOn(ILogger logger, string environment);

    [LoggerMessage(EventId = 6030, Level = LogLevel.Information, Message = "Refused a token request: bad assertion: {Reason}")]
    internal static partial void TokenEndpointBadAssertion(ILogger logger, string reason);

    [LoggerMessage(EventId = 6032, Level = LogLevel.Information, Message = "Refused a client at {Endpoint}: {Reason}")]
    internal static partial void OAuthClientRefused(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 6033, Level = LogLevel.Information, Message = "Refused {Caller} at {Endpoint}: lacks role {Role}")]
    internal static partial void OAuthClientLacksRole(ILogger logger, string endpoint, string caller, string role);

    [LoggerMessage(EventId = 6034, Level = LogLevel.Error, Message = "OAuth endpoint {Path} failed unexpectedly (request {RequestId}); answered server_error")]
    internal static partial void OAuthEndpointFailed(ILogger logger, string path, string requestId, Exception exception);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Policy {Path} reloaded: {Tools} tools, {Workloads} workloads; in force from the next request")]
    internal static partial void PolicyFileSourceReloaded(ILogger logger, string path, int tools, int workloads);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Error, Message = "Policy {Path} changed but was refused; the previous policy stays in force. Problems:\n{Problems}")]
    internal static partial void PolicyFileSourceRefused(ILogger logger, string path, string problems);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Debug, Message = "Policy {Path} not readable right now ({Problem}); will look again")]
    internal static partial void PolicyFileSourceUnreadable(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Debug, Message = "Policy {Path} changed and does not load yet; looking again before refusing it")]
    internal static partial void PolicyFileSourceUnsettled(ILogger logger, string path);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "The policy change of {Path} ({Kind}) could not be audited: no audit sink took it")]
    internal static partial void PolicyReloadAuditNotAudited(ILogger logger, string path, string kind);
}
