using Microsoft.Extensions.Logging;

namespace CredBroker.Core;

/// <summary>
/// Every log line of <c>CredBroker.Tokens</c>, so its event ids are read in one place. Ids by area:
/// <list type="table">
/// <item><term>6500–6599</term><description>identity issuers' key sets</description></item>
/// </list>
/// A test (LogEventIdTests) keeps every id unique and inside its assembly's ranges.
/// </summary>
internal static partial class TokensLog
{
    [LoggerMessage(EventId = 6500, Level = LogLevel.Information, Message = "Identity issuer {Issuer}: key set from {Location} now holds {Count} keys ({Kids})")]
    internal static partial void JwksKeySetKeysChanged(ILogger logger, string issuer, string location, int count, string kids);

    [LoggerMessage(EventId = 6501, Level = LogLevel.Warning, Message = "Identity issuer {Issuer}: could not fetch key set from {Location} ({Reason}); {Consequence}")]
    internal static partial void JwksKeySetFetchFailed(ILogger logger, string issuer, string location, string reason, string consequence);

    [LoggerMessage(EventId = 6502, Level = LogLevel.Warning, Message = "Identity issuer {Issuer}: skipped a key: {Reason}")]
    internal static partial void JwksKeySetKeySkipped(ILogger logger, string issuer, string reason);

    [LoggerMessage(EventId = 6503, Level = LogLevel.Debug, Message = "Identity issuer {Issuer}: key set was fetched moments ago; not fetching again yet")]
    internal static partial void JwksKeySetRefreshHeldBack(ILogger logger, string issuer);
}
