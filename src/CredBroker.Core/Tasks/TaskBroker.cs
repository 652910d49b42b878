using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Validation;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Tasks;

/// <summary>Ends tasks: once <see cref="RevokeTaskAsync"/> returns, no grant of the task is active and none can be added (invariant 2).</summary>
public sealed partial class TaskBroker(IBrokerStore store, IRevocationLog revocations, RuleLifetime lifetime, ILogger<TaskBroker> logger)
{
    public async Task<BrokerResult<TaskRevocationResult>> RevokeTaskAsync(string taskId, string? reason, string revokedBy, CancellationToken cancellationToken)
    {
        if ((FieldChecks.TaskId(taskId) ?? FieldChecks.Text(reason, "reason", InputLimits.ReasonMaxLength, required: false)) is { } invalid)
        {
            return invalid;
        }

        try
        {
            var why = string.IsNullOrWhiteSpace(reason) ? $"revoked by {revokedBy}" : reason;

            // Log first (verifiers learn it), then mark the task (no grant after). A task rule stands:
            // a grant that raced the mark was minted before it and is covered too.
            await revocations.AppendAsync(new RevocationDraft(RevocationKind.Task, taskId, why, LiftAfter: null, lifetime.AfterLift, revokedBy), cancellationToken).ConfigureAwait(false);
            var result = await store.RevokeTaskAsync(taskId, why, cancellationToken).ConfigureAwait(false);
            LogTaskRevoked(taskId, revokedBy, result.RevokedGrants, result.AlreadyRevoked);
            return BrokerResult<TaskRevocationResult>.Ok(result);
        }
        catch (BrokerStoreUnavailableException e)
        {
            LogStoreUnavailable(e, taskId);
            return Refusal.StoreUnavailable("grant store unavailable; the task was not revoked");
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Revoked task {TaskId} by {RevokedBy}: {RevokedGrants} live grants ended (already revoked: {AlreadyRevoked})")]
    private partial void LogTaskRevoked(string taskId, string revokedBy, long revokedGrants, bool alreadyRevoked);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Store unavailable while revoking task {TaskId}; nothing reported revoked")]
    private partial void LogStoreUnavailable(Exception error, string taskId);
}
