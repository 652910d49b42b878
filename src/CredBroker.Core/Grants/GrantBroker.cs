using CredBroker.Core.Anomalies;
using CredBroker.Core.Approvals;
using CredBroker.Core.Audit;
using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Grants;

/// <summary>
/// What the grant service calls. A request goes forward only: the refusal limit, the decision
/// (<see cref="GrantPipeline"/>: validate, policy, anomaly pre-checks, one store step, mint), the
/// consequences of a refusal, then the record (<see cref="GrantAudit"/>), which changes nothing. The
/// one thing that may still turn an answer around after it is decided is
/// <see cref="FailClosedWhenUnrecordedAsync"/>: no token leaves without its audit record (invariant 6).
/// </summary>
public sealed partial class GrantBroker(
    GrantPipeline pipeline,
    GrantExchange exchange,
    GrantApprovals approvals,
    GrantIssuance issuance,
    GrantAudit audit,
    GrantRevoker revoker,
    RefusalLimiter refusals,
    RefusalSignals signals,
    IBrokerStore store,
    IApprovalStore approvalStore,
    IQuotaStore quotas,
    IPolicySource policy,
    TimeProvider time,
    IOptions<StoreOptions> storeOptions,
    ILogger<GrantBroker> logger)
{
    /// <summary>
    /// What recording the refusal may add to the decision's budget: a refusal's audit record is
    /// best-effort, so a stalled store costs the caller this much more, not a second timeout.
    /// </summary>
    private static readonly TimeSpan RecordMargin = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The refusal of a caller past its refusal limit, or null. The refusal that crossed the limit is on
    /// record; these are not (each would be), so the limit also bounds what a caller can write to the audit log.
    /// </summary>
    private GrantOutcome.Refused? OverRefusalLimit(string workloadId, long started)
    {
        if (refusals.Check(workloadId) is not { } limited)
        {
            return null;
        }

        CoreLog.GrantRefusalLimited(logger, workloadId);
        var unrecorded = new GrantOutcome.Refused(limited);
        audit.Decided(unrecorded, started);
        return unrecorded;
    }

    /// <summary>Decides, then puts the decision on the audit record before it is answered (invariant 6).</summary>
    public async Task<GrantOutcome> RequestGrantAsync(GrantRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (OverRefusalLimit(request.WorkloadId, started) is { } limited)
        {
            return limited;
        }

        return await DecideThenRecordAsync(
            (Pipeline: pipeline, Request: request),
            static async (s, writeBy, token) => (s.Request, await s.Pipeline.DecideAsync(s.Request with { Deadline = writeBy }, token).ConfigureAwait(false)),
            static s => s.Request,
            request.WorkloadId,
            request.TaskId,
            request.Deadline,
            started,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What every decision shares after the refusal limit: <paramref name="decide"/> within the store's budget (a
    /// store that does not answer in time is a refusal, recorded as <paramref name="unanswered"/>), the refusal count,
    /// then <see cref="RecordAsync"/>. <paramref name="decide"/> gets the deadline its writes must meet (the
    /// caller's <paramref name="deadline"/>, bounded by the budget).
    /// </summary>
    private async Task<GrantOutcome> DecideThenRecordAsync<TState>(
        TState state,
        Func<TState, DateTimeOffset?, CancellationToken, Task<(GrantRequest Record, GrantOutcome Outcome)>> decide,
        Func<TState, GrantRequest> unanswered,
        string workloadId,
        string taskId,
        DateTimeOffset? deadline,
        long started,
        CancellationToken cancellationToken)
    {
        var limit = storeOptions.Value.GrantTimeout;
        GrantRequest record;
        GrantOutcome outcome;
        using (var budget = Budget(limit, cancellationToken))
        {
            try
            {
                (record, outcome) = await decide(state, WriteBy(deadline, limit), budget.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                CoreLog.GrantStoreUnavailable(logger, e, taskId);
                record = unanswered(state);
                outcome = new GrantOutcome.Refused(Refusal.StoreUnavailable($"grant store did not answer within {DurationText.Format(limit!.Value)}; no token issued"));
            }
        }

        if (outcome is GrantOutcome.Refused { Refusal: var refusal } && await refusals.CountAsync(workloadId, refusal, cancellationToken).ConfigureAwait(false) is { } crossed)
        {
            outcome = new GrantOutcome.Refused(crossed);
        }

        return await RecordAsync(record, outcome, started, outcome is GrantOutcome.Refused ? RecordMargin : limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The last steps of every decision: record it, fail closed when unrecorded, count out-of-scope refusals, answer.</summary>
    private async Task<GrantOutcome> RecordAsync(GrantRequest request, GrantOutcome outcome, long started, TimeSpan? limit, CancellationToken cancellationToken)
    {
        var final = outcome;
        using (var recording = Budget(limit, cancellationToken))
        {
            bool recorded;
            try
            {
                recorded = await audit.RecordAsync(request, outcome, recording.Token).ConfigureAwait(false);
                if (outcome is GrantOutcome.Refused { Refusal: var refusal } && IsOutOfScope(refusal))
                {
                    // After its record, as its consequence: may fire a scope-probing rule, never changes this answer.
                    await signals.ObserveAsync(request, refusal, recording.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                recorded = false;
            }

            if (!recorded)
            {
                final = await FailClosedWhenUnrecordedAsync(outcome, sinkAnswered: !recording.IsCancellationRequested).ConfigureAwait(false);
            }
        }

        if (final is GrantOutcome.Issued { Grant: var grant } && cancellationToken.IsCancellationRequested)
        {
            // The caller is gone: its token never leaves, so its record does not stay live (no listing, no quota count).
            issuance.Discard(grant.TaskId, grant.GrantId, grant.WorkloadId);
        }

        audit.Decided(final, started);
        cancellationToken.ThrowIfCancellationRequested();
        return final;
    }

    /// <summary>
    /// The one step after the record that may change the answer: a grant or a held request that no
    /// durable sink took does not leave the broker (invariant 6). A grant is retracted (its rule and its
    /// record) when the sink answered no, and discarded either way; a refusal stands without its record.
    /// </summary>
    private async Task<GrantOutcome> FailClosedWhenUnrecordedAsync(GrantOutcome outcome, bool sinkAnswered)
    {
        switch (outcome)
        {
            case GrantOutcome.Issued { Grant: var grant }:
                if (sinkAnswered)
                {
                    CoreLog.GrantUnrecordedRetracted(logger, grant.GrantId, grant.TaskId);
                    try
                    {
                        await revoker.RevokeAsync(grant.GrantId, "audit log unavailable", CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (BrokerStoreUnavailableException e)
                    {
                        // The token itself never left this process, so nothing usable leaked; the record expires with it.
                        CoreLog.GrantRetractFailed(logger, e, grant.GrantId);
                    }
                }

                issuance.Discard(grant.TaskId, grant.GrantId, grant.WorkloadId);
                return new GrantOutcome.Refused(Refusal.StoreUnavailable(sinkAnswered ? "audit log unavailable; no token issued" : "audit log did not answer in time; no token issued"));
            case GrantOutcome.Pending:
                return new GrantOutcome.Refused(Refusal.StoreUnavailable("audit log unavailable; the request was not recorded"));
            default:
                return outcome;
        }
    }

    /// <summary>An agent hands back one of its own grants.</summary>
    public async Task<BrokerResult<GrantRevocationResult>> ReleaseGrantAsync(string workloadId, string grantId, CancellationToken cancellationToken)
    {
        if (!GrantIds.IsWellFormed(grantId))
        {
            return Refusal.Invalid("grant_id", "not a grant id");
        }

        try
        {
            var found = await store.FindGrantAsync(grantId, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                return Refusal.NotFound($"grant {grantId} is unknown or expired");
            }

            // A delegated grant is handed back by the sub-agent holding it, not by the root.
            if (!found.Grant.IsHeldBy(workloadId))
            {
                return Refusal.Denied($"grant {grantId} belongs to another workload");
            }

            return await RevokeAsync(grantId, "released by its workload", AuditKinds.GrantReleased, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.GrantStoreUnavailable(logger, e, grantId);
            return Refusal.StoreUnavailable("grant store unavailable; the grant was not released");
        }
    }

    /// <summary>An operator revokes one grant.</summary>
    public async Task<BrokerResult<GrantRevocationResult>> RevokeGrantAsync(string grantId, string? reason, CancellationToken cancellationToken)
    {
        if (!GrantIds.IsWellFormed(grantId))
        {
            return Refusal.Invalid("grant_id", "not a grant id");
        }

        if (FieldChecks.Text(reason, "reason", InputLimits.ReasonMaxLength, required: false) is { } badReason)
        {
            return badReason;
        }

        try
        {
            return await RevokeAsync(grantId, string.IsNullOrWhiteSpace(reason) ? "revoked by an operator" : reason, AuditKinds.GrantRevoked, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.GrantStoreUnavailable(logger, e, grantId);
            return Refusal.StoreUnavailable("grant store unavailable; the grant was not revoked");
        }
    }

    private async Task<BrokerResult<GrantRevocationResult>> RevokeAsync(string grantId, string reason, string auditKind, CancellationToken cancellationToken)
    {
        if (await revoker.RevokeAsync(grantId, reason, cancellationToken).ConfigureAwait(false) is not { } result)
        {
            return Refusal.NotFound($"grant {grantId} is unknown or expired");
        }

        // A grant handed back early frees its place under the workload's cap of live grants.
        if (policy.Current.FindWorkload(result.Grant.WorkloadId) is { } workload && !GrantQuota.Of(workload).IsUnlimited)
        {
            await quotas.ReleaseGrantAsync(result.Grant.WorkloadId, result.Grant.GrantId, issued: true, cancellationToken).ConfigureAwait(false);
        }

        CoreLog.GrantRevoked(logger, grantId, reason);
        await audit.RecordRevocationAsync(auditKind, result, reason, cancellationToken).ConfigureAwait(false);
        return BrokerResult<GrantRevocationResult>.Ok(result);
    }

    /// <summary>Asking for what the workload may not have: a policy deny, a tool outside the envelope, an unknown tool.</summary>
    private static bool IsOutOfScope(Refusal refusal) =>
        refusal.Kind == RefusalKind.PermissionDenied
        || (refusal.Kind == RefusalKind.InvalidArgument && refusal.Field is { } field && field.StartsWith("tools[", StringComparison.Ordinal));

    /// <summary>The caller's token, cut at <paramref name="limit"/> when there is one.</summary>
    private static CancellationTokenSource Budget(TimeSpan? limit, CancellationToken caller)
    {
        var budget = CancellationTokenSource.CreateLinkedTokenSource(caller);
        if (limit is { } l)
        {
            budget.CancelAfter(l);
        }

        return budget;
    }

    /// <summary>The earlier of the caller's deadline and the end of this decision's budget.</summary>
    private DateTimeOffset? WriteBy(DateTimeOffset? deadline, TimeSpan? limit)
    {
        var own = limit is { } l ? time.GetUtcNow() + l : (DateTimeOffset?)null;
        return (deadline, own) switch
        {
            ({ } d, { } o) => d < o ? d : o,
            ({ } d, null) => d,
            _ => own,
        };
    }
}
