using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Grants;

/// <summary>
/// The grant pipeline's log messages, one definition each, written under the logger of the step that
/// logs them: 1xxx grants, 7xxx the audit record a grant failed closed on, 9001 the store.
/// </summary>
internal static partial class GrantLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Issued grant {GrantId} to {WorkloadId} for task {TaskId}, expires {ExpiresAt:O}")]
    public static partial void Issued(ILogger logger, string grantId, string workloadId, string taskId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Denied grant to {WorkloadId} for task {TaskId} by rule {Rule}")]
    public static partial void Denied(ILogger logger, string workloadId, string taskId, string rule);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Revoked grant {GrantId}: {Reason}")]
    public static partial void GrantRevoked(ILogger logger, string grantId, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Could not discard the record of refused grant {GrantId}; it expires with its TTL")]
    public static partial void DiscardFailed(ILogger logger, Exception error, string grantId);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Held request of {WorkloadId} for task {TaskId} for approval {ApprovalId} (rule {Rule})")]
    public static partial void Pending(ILogger logger, string approvalId, string workloadId, string taskId, string rule);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "Approval {ApprovalId} collected by {WorkloadId} for task {TaskId}")]
    public static partial void Collected(ILogger logger, string approvalId, string workloadId, string taskId);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "Refused grant to {WorkloadId}: rule {Rule} {Limit} reached")]
    public static partial void Exhausted(ILogger logger, string workloadId, string rule, string limit);

    /// <summary>Debug: a flood of these is what the limit is for.</summary>
    [LoggerMessage(EventId = 1045, Level = LogLevel.Debug, Message = "Refused a grant request of {WorkloadId} undecided: past its refusal limit")]
    public static partial void RefusalLimited(ILogger logger, string workloadId);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Error, Message = "No audit sink took the record of grant {GrantId} (task {TaskId}); the grant is retracted and the request fails closed")]
    public static partial void UnrecordedGrantRetracted(ILogger logger, string grantId, string taskId);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Could not retract grant {GrantId} after its audit record failed; its token never left the broker")]
    public static partial void RetractFailed(ILogger logger, Exception error, string grantId);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Store unavailable while handling {Subject}; failing closed")]
    public static partial void StoreUnavailable(ILogger logger, Exception error, string subject);
}
