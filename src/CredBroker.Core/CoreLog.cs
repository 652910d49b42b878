using CredBroker.Core.Revocation;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core;

/// <summary>
/// Every log line of <c>CredBroker.Core</c>, so its event ids are read in one place. Ids by area:
/// <list type="table">
/// <item><term>1000–1099</term><description>grants and approvals</description></item>
/// <item><term>2000–2099</term><description>tasks</description></item>
/// <item><term>3000–3199</term><description>revocation rules and their durability</description></item>
/// <item><term>3300–3399</term><description>the revocation feed</description></item>
/// <item><term>7000–7099</term><description>audit</description></item>
/// <item><term>8000–8099</term><description>anomaly rules</description></item>
/// <item><term>9000–9099</term><description>the store failing under a decision</description></item>
/// <item><term>9500–9599</term><description>outages of a dependency (summarised)</description></item>
/// </list>
/// A test (LogEventIdTests) keeps every id unique and inside its assembly's ranges.
/// </summary>
internal static partial class CoreLog
{
    [LoggerMessage(EventId = 1010, Level = LogLevel.Debug, Message = "Store unavailable while listing grants")]
    internal static partial void GrantListingStoreUnavailable(ILogger logger, Exception error);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "Approval {ApprovalId} {Decision} by {ApproverId} (request of {WorkloadId} for task {TaskId})")]
    internal static partial void ApprovalBrokerDecided(ILogger logger, string approvalId, string decision, string approverId, string workloadId, string taskId);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Warning, Message = "Refused {ApproverId} deciding its own approval {ApprovalId} (separation of duties)")]
    internal static partial void ApprovalBrokerSelfApprovalRefused(ILogger logger, string approvalId, string approverId);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Revoked task {TaskId} by {RevokedBy}: {RevokedGrants} live grants ended (already revoked: {AlreadyRevoked})")]
    internal static partial void TaskBrokerTaskRevoked(ILogger logger, string taskId, string revokedBy, long revokedGrants, bool alreadyRevoked);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Opened task {TaskId} for {WorkloadId} by {OpenedBy}, deadline {Deadline:O}")]
    internal static partial void TaskBrokerOpened(ILogger logger, string taskId, string workloadId, string openedBy, DateTimeOffset? deadline);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Revocation rule {Kind} '{Subject}' written at cursor {Cursor}")]
    internal static partial void RevocationBrokerRule(ILogger logger, RevocationKind kind, string subject, string cursor);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Critical, Message = "More than {Capacity} revocations acknowledged while the store could not promise durability; the broker starts a new generation once the store is safe")]
    internal static partial void UnconfirmedRevocationsOverflow(ILogger logger, int capacity);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Store is safe again: {Count} revocations acknowledged meanwhile were checked, {Rewritten} of them written again (lost)")]
    internal static partial void UnconfirmedRevocationsRewritten(ILogger logger, int count, int rewritten);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Critical, Message = "Kill switch engaged in this broker's memory only: the store could not take the write; it is written as soon as the store accepts writes")]
    internal static partial void RevocationBrokerEngagedInMemory(ILogger logger);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "Kill switch held in memory is now stored at cursor {Cursor}")]
    internal static partial void RevocationBrokerPendingStored(ILogger logger, string cursor);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Debug, Message = "Revocation log unreadable; watchers get no keep-alives until it is back")]
    internal static partial void RevocationFeedUnreadable(ILogger logger, Exception error);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "Dropped a revocation watcher that fell too far behind")]
    internal static partial void RevocationFeedWatcherDropped(ILogger logger);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "Audit sink {Sink} could not take event {EventId} ({Kind})")]
    internal static partial void AuditLogSinkFailed(ILogger logger, Exception error, string sink, string kind, string eventId);

    /// <summary>Debug: each sink's outage is a warning of its own (<see cref="Telemetry.OutageLog"/>); whoever needed the record (an issued grant) fails closed.</summary>
    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "No audit sink took event {EventId} ({Kind}) of {SinkCount} configured")]
    internal static partial void AuditLogNoSink(ILogger logger, string kind, string eventId, int sinkCount);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Store unavailable while recording a use of grant {GrantId}")]
    internal static partial void ToolUseRecorderStoreUnavailable(ILogger logger, Exception error, string grantId);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Debug, Message = "Audit sink {Sink}: checkpoint of seq {HeadSeq} written at seq {Seq}")]
    internal static partial void AuditCheckpointWriterCheckpoint(ILogger logger, string sink, long headSeq, long seq);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning, Message = "Audit sink {Sink} could not take a checkpoint")]
    internal static partial void AuditCheckpointWriterCheckpointFailed(ILogger logger, Exception error, string sink);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Anomaly rule {Rule} fired for {Per} {Subject} after {Count} events: {Outcome}")]
    internal static partial void AnomalyResponderFired(ILogger logger, string rule, string per, string subject, long count, string outcome);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Anomaly counter unavailable for rule {Rule}; the event was not counted")]
    internal static partial void AnomalyResponderCounterUnavailable(ILogger logger, Exception error, string rule);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Store unavailable while checking who owns task {TaskId}; the refusal counts against the caller only")]
    internal static partial void RefusalSignalsOwnerUnknown(ILogger logger, Exception error, string taskId);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Store unavailable while revoking task {TaskId}; nothing reported revoked")]
    internal static partial void TaskBrokerStoreUnavailable(ILogger logger, Exception error, string taskId);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "Revocation store unavailable; failing closed")]
    internal static partial void RevocationBrokerStoreUnavailable(ILogger logger, Exception error);

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "Store unavailable while handling approval {Subject}; failing closed")]
    internal static partial void ApprovalBrokerStoreUnavailable(ILogger logger, Exception error, string subject);

    [LoggerMessage(EventId = 9501, Level = LogLevel.Warning, Message = "{Dependency} unavailable: {Reason}; what needs it fails closed; a summary follows every {Interval} s until it is back")]
    internal static partial void OutageLogDown(ILogger logger, string dependency, string reason, double interval);

    [LoggerMessage(EventId = 9502, Level = LogLevel.Warning, Message = "{Dependency} still unavailable after {Seconds} s; {Failures} operations failed closed so far")]
    internal static partial void OutageLogStillDown(ILogger logger, string dependency, long seconds, long failures);

    [LoggerMessage(EventId = 9503, Level = LogLevel.Information, Message = "{Dependency} is back after {Seconds} s; {Failures} operations failed closed meanwhile")]
    internal static partial void OutageLogBack(ILogger logger, string dependency, long seconds, long failures);

    // The grant pipeline: written under the logger of the step that logs them.
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Issued grant {GrantId} to {WorkloadId} for task {TaskId}, expires {ExpiresAt:O}")]
    internal static partial void GrantIssued(ILogger logger, string grantId, string workloadId, string taskId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Denied grant to {WorkloadId} for task {TaskId} by rule {Rule}")]
    internal static partial void GrantDenied(ILogger logger, string workloadId, string taskId, string rule);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Revoked grant {GrantId}: {Reason}")]
    internal static partial void GrantRevoked(ILogger logger, string grantId, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Could not discard the record of refused grant {GrantId}; it expires with its TTL")]
    internal static partial void GrantDiscardFailed(ILogger logger, Exception error, string grantId);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Held request of {WorkloadId} for task {TaskId} for approval {ApprovalId} (rule {Rule})")]
    internal static partial void GrantPending(ILogger logger, string approvalId, string workloadId, string taskId, string rule);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "Approval {ApprovalId} collected by {WorkloadId} for task {TaskId}")]
    internal static partial void GrantCollected(ILogger logger, string approvalId, string workloadId, string taskId);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "Refused grant to {WorkloadId}: rule {Rule} {Limit} reached")]
    internal static partial void GrantExhausted(ILogger logger, string workloadId, string rule, string limit);

    /// <summary>Debug: a flood of these is what the limit is for.</summary>
    [LoggerMessage(EventId = 1045, Level = LogLevel.Debug, Message = "Refused a grant request of {WorkloadId} undecided: past its refusal limit")]
    internal static partial void GrantRefusalLimited(ILogger logger, string workloadId);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Error, Message = "No audit sink took the record of grant {GrantId} (task {TaskId}); the grant is retracted and the request fails closed")]
    internal static partial void GrantUnrecordedRetracted(ILogger logger, string grantId, string taskId);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Could not retract grant {GrantId} after its audit record failed; its token never left the broker")]
    internal static partial void GrantRetractFailed(ILogger logger, Exception error, string grantId);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Store unavailable while handling {Subject}; failing closed")]
    internal static partial void GrantStoreUnavailable(ILogger logger, Exception error, string subject);
}
