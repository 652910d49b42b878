using CredBroker.Core.Audit;
using CredBroker.Core.Identity;
using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Validation;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Tasks;

/// <summary>Ends tasks: once <see cref="RevokeTaskAsync"/> returns, no grant of the task is active and none can be added (invariant 2).</summary>
public sealed partial class TaskBroker(IBrokerStore store, IRevocationLog revocations, RuleLifetime lifetime, IPolicySource policy, ILogger<TaskBroker> logger, AuditLog audit, UnconfirmedRevocations unconfirmed)
{
    /// <summary>
    /// Fences a task: its workload, owner, purpose, tool envelope and deadline. The envelope must lie
    /// inside what policy lets the workload use; grants for the task must then lie inside the envelope.
    /// </summary>
    public async Task<BrokerResult<TaskRecord>> OpenTaskAsync(OpenTaskRequest request, string openedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = policy.Current;
        if (ValidateOpen(request, current) is { } invalid)
        {
            return invalid;
        }

        var workload = current.FindWorkload(request.WorkloadId);
        if (workload is null)
        {
            return Refusal.Denied($"workload {request.WorkloadId} is not listed in policy");
        }

        for (var i = 0; i < request.Tools.Count; i++)
        {
            if (!current.Tools.ContainsKey(request.Tools[i]))
            {
                return Refusal.Invalid($"tools[{i}]", $"unknown tool '{request.Tools[i]}'");
            }

            if (!workload.MayUse(request.Tools[i]))
            {
                return Refusal.Denied($"policy rule '{workload.Name}' does not allow tool '{request.Tools[i]}' for task {request.TaskId}");
            }
        }

        var duration = request.MaxDuration ?? current.Limits.MaxTaskDuration;
        if (duration > current.Limits.MaxTaskDuration)
        {
            return Refusal.Invalid("max_duration", $"at most {DurationText.Format(current.Limits.MaxTaskDuration)} (limits.maxTaskDuration)");
        }

        var task = new TaskRecord(request.TaskId, request.WorkloadId, request.Owner, request.Purpose, request.Tools.Distinct(StringComparer.Ordinal).ToList(), true, default, null);
        try
        {
            var opened = await store.OpenTaskAsync(task, duration, cancellationToken).ConfigureAwait(false);
            switch (opened)
            {
                case TaskOpenResult.Opened { Task: var record }:
                    CoreLog.TaskBrokerOpened(logger, record.TaskId, record.WorkloadId, openedBy, record.Deadline);
                    await audit.TryAppendAsync(TaskAudit.Opened(record), cancellationToken).ConfigureAwait(false);
                    return BrokerResult<TaskRecord>.Ok(record);
                case TaskOpenResult.TaskRevoked r:
                    return Refusal.Precondition($"task {request.TaskId} was revoked at {r.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}");
                case TaskOpenResult.AlreadyExists { Existing: var existing }:
                    return Refusal.Precondition(existing.Opened
                        ? $"task {request.TaskId} is already open (for {existing.WorkloadId})"
                        : $"task {request.TaskId} is already in use by {existing.WorkloadId}; open tasks before their first grant");
                default:
                    throw new InvalidOperationException($"unexpected open result {opened.GetType().Name}");
            }
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.TaskBrokerStoreUnavailable(logger, e, request.TaskId);
            return Refusal.StoreUnavailable("grant store unavailable; the task was not opened");
        }
    }

    public async Task<BrokerResult<TaskView>> GetTaskAsync(string taskId, CancellationToken cancellationToken)
    {
        if (FieldChecks.TaskId(taskId) is { } invalid)
        {
            return invalid;
        }

        try
        {
            var view = await store.GetTaskAsync(taskId, cancellationToken).ConfigureAwait(false);
            return view.Record is null && view.RevokedAt is null
                ? Refusal.NotFound($"task {taskId} is not known: never opened or used, or forgotten after its retention")
                : BrokerResult<TaskView>.Ok(view);
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.TaskBrokerStoreUnavailable(logger, e, taskId);
            return Refusal.StoreUnavailable("grant store unavailable");
        }
    }

    private static Refusal? ValidateOpen(OpenTaskRequest request, BrokerPolicy current)
    {
        if (FieldChecks.TaskId(request.TaskId) is { } badTask)
        {
            return badTask;
        }

        if (!SpiffeId.IsValid(request.WorkloadId))
        {
            return Refusal.Invalid("workload_id", "not a SPIFFE ID (spiffe://trust-domain/path)");
        }

        if ((FieldChecks.Text(request.Purpose, "purpose", InputLimits.PurposeMaxLength, required: true)
            ?? FieldChecks.Text(request.Owner, "owner", InputLimits.OwnerMaxLength, required: true)) is { } badText)
        {
            return badText;
        }

        if (request.Tools.Count == 0 || request.Tools.Count > current.Limits.MaxToolsPerGrant * 4)
        {
            return Refusal.Invalid("tools", $"name 1 to {current.Limits.MaxToolsPerGrant * 4} tools for the envelope");
        }

        for (var i = 0; i < request.Tools.Count; i++)
        {
            if (!ToolNames.IsWellFormed(request.Tools[i]))
            {
                return Refusal.Invalid($"tools[{i}]", "not a tool name (dotted lower-case segments, at most 128 characters)");
            }
        }

        return request.MaxDuration is { } d && d < TimeSpan.FromSeconds(1) ? Refusal.Invalid("max_duration", "must be at least 1s") : null;
    }

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
            var entry = await revocations.AppendAsync(new RevocationDraft(RevocationKind.Task, taskId, why, LiftAfter: null, lifetime.AfterLift, revokedBy), cancellationToken).ConfigureAwait(false);
            var result = await store.RevokeTaskAsync(taskId, why, cancellationToken).ConfigureAwait(false) with { DurabilityNotConfirmed = unconfirmed.Note(entry) };
            CoreLog.TaskBrokerTaskRevoked(logger, taskId, revokedBy, result.RevokedGrants, result.AlreadyRevoked);
            await audit.TryAppendAsync(TaskAudit.Revoked(taskId, why, result), cancellationToken).ConfigureAwait(false);
            return BrokerResult<TaskRevocationResult>.Ok(result);
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.TaskBrokerStoreUnavailable(logger, e, taskId);
            return Refusal.StoreUnavailable("grant store unavailable; the task was not revoked");
        }
    }
}
