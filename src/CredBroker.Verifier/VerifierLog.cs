using CredBroker.Core.Tokens;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CredBroker.Verifier;

/// <summary>
/// Every log line of <c>CredBroker.Verifier</c>, so its event ids are read in one place. Ids by area:
/// <list type="table">
/// <item><term>5000–5099</term><description>following revocations (<c>WatchRevocations</c>)</description></item>
/// <item><term>5100–5199</term><description>verifying tokens</description></item>
/// <item><term>5200–5299</term><description>reporting tool use (<c>RecordToolUse</c>)</description></item>
/// </list>
/// A test (LogEventIdTests) keeps every id unique and inside its assembly's ranges.
/// </summary>
internal static partial class VerifierLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Following the broker's revocations after cursor {Cursor}")]
    internal static partial void RevocationWatcherConnected(ILogger logger, string cursor);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Revocation rule {Kind} at cursor {Cursor}")]
    internal static partial void RevocationWatcherRule(ILogger logger, CredBroker.Protocol.V1.RevocationKind kind, string cursor);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Revocation stream broke ({Reason}); reconnecting in {DelayMs} ms from cursor {Cursor}")]
    internal static partial void RevocationWatcherReconnecting(ILogger logger, string reason, double delayMs, string cursor);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Revocation stream ended at cursor {Cursor}; reconnecting")]
    internal static partial void RevocationWatcherStreamBroken(ILogger logger, string cursor);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Token refused: {Failure}: {Reason}")]
    internal static partial void TokenVerifierRefused(ILogger logger, TokenFailure failure, string reason);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Revocation view is stale and Introspect failed ({Status}); refusing the token")]
    internal static partial void TokenVerifierIntrospectFailed(ILogger logger, StatusCode status);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Tool use of grant {GrantId} ({Outcome}) not recorded by the broker: {Status} {Detail}")]
    internal static partial void ToolUseNotRecorded(ILogger logger, string grantId, string outcome, StatusCode status, string detail);
}
