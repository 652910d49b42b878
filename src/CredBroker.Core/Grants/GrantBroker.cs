using CredBroker.Core.Audit;
using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Tokens;
using CredBroker.Core.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Grants;

/// <summary>
/// Decides a grant request: input checks, then policy, then one atomic store insert, then the
/// token. The token is minted only after the store acknowledged the grant (invariant 1).
/// </summary>
public sealed partial class GrantBroker(
    IPolicySource policy,
    IBrokerStore store,
    IRevocationLog revocations,
    RuleLifetime lifetime,
    AccessTokenIssuer tokens,
    TimeProvider time,
    ILogger<GrantBroker> logger,
    GrantAudit audit,
    UnconfirmedRevocations unconfirmed,
    IStoreSafety safety,
    PendingKillSwitch pendingKillSwitch,
    IOptions<StoreOptions> storeOptions,
    RefusalLimiter refusals)
{
    /// <summary>
    /// What recording the refusal may add to the decision's budget: a refusal's audit record is
    /// best-effort, so a stalled store costs the caller this much more, not a second timeout.
    /// </summary>
    private static readonly TimeSpan RecordMargin = TimeSpan.FromMilliseconds(250);

    /// <summary>A rule lifting within this long is waited out rather than refused, so a grant is not bounced for a second.</summary>
    private static readonly TimeSpan ShortWait = TimeSpan.FromSeconds(1.5);

    /// <summary>Decides, then puts the decision on the audit record before it is answered (invariant 6).</summary>
    public async Task<GrantOutcome> RequestGrantAsync(GrantRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (refusals.Check(request.WorkloadId) is { } limited)
        {
            // Past its refusal limit: the refusal that crossed it is on record, these are not (each would be).
            LogRefusalLimited(request.WorkloadId);
            return audit.Unrecorded(new GrantOutcome.Refused(limited), started);
        }

        var limit = storeOptions.Value.GrantTimeout;
        GrantOutcome outcome;
        using (var budget = Budget(limit, cancellationToken))
        {
            try
            {
                outcome = await DecideAsync(request with { Deadline = WriteBy(request.Deadline, limit) }, budget.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                LogStoreUnavailable(e, request.TaskId);
                outcome = new GrantOutcome.Refused(Refusal.StoreUnavailable($"grant store did not answer within {DurationText.Format(limit!.Value)}; no token issued"));
            }
        }

        if (outcome is GrantOutcome.Refused { Refusal: var refusal } && await refusals.CountAsync(request.WorkloadId, refusal, cancellationToken).ConfigureAwait(false) is { } crossed)
        {
            outcome = new GrantOutcome.Refused(crossed);
        }

        GrantOutcome final;
        using (var recording = Budget(outcome is GrantOutcome.Refused ? RecordMargin : limit, cancellationToken))
        {
            try
            {
                final = await audit.RecordAsync(request, outcome, started, recording.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A refusal stands without its record; an issued grant without one fails closed (invariant 6).
                final = outcome is GrantOutcome.Refused ? outcome : new GrantOutcome.Refused(Refusal.StoreUnavailable("audit log did not answer in time; no token issued"));
            }
        }

        if (outcome is GrantOutcome.Issued { Grant: var grant } && (final is not GrantOutcome.Issued || cancellationToken.IsCancellationRequested))
        {
            // Refused after its record was written: leave nothing live behind (no listing, no quota count).
            Discard(grant.TaskId, grant.GrantId, grant.WorkloadId);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return final;
    }

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

    /// <summary>Best effort, never awaited for an answer; a record it misses expires with its grant.</summary>
    private void Discard(string taskId, string grantId, string workloadId)
    {
        try
        {
            _ = store.DiscardGrantAsync(taskId, grantId, workloadId, CancellationToken.None).AsTask().ContinueWith(
                t => LogDiscardFailed(t.Exception!, grantId),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        catch (BrokerStoreUnavailableException e)
        {
            LogDiscardFailed(e, grantId);
        }
    }

    private async Task<GrantOutcome> DecideAsync(GrantRequest request, CancellationToken cancellationToken)
    {
        if (GrantRequestValidator.Validate(request) is { } invalid)
        {
            return new GrantOutcome.Refused(invalid);
        }

        if (!string.IsNullOrEmpty(request.ApprovalId))
        {
            return await CollectAsync(request, request.ApprovalId, cancellationToken).ConfigureAwait(false);
        }

        var decision = PolicyEvaluator.Evaluate(policy.Current, request, time.GetUtcNow());
        return decision switch
        {
            PolicyDecision.Invalid bad => new GrantOutcome.Refused(Refusal.Invalid(bad.Field, bad.Problem)),
            PolicyDecision.Deny deny => Denied(request, deny),
            PolicyDecision.NeedsApproval needs => await HoldForApprovalAsync(request, needs, cancellationToken).ConfigureAwait(false),
            PolicyDecision.Allow allow => await IssueAsync(request, allow.Workload, allow.Audience, allow.Ttl, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException($"unexpected decision {decision.GetType().Name}"),
        };
    }

    private GrantOutcome.Refused Denied(GrantRequest request, PolicyDecision.Deny deny)
    {
        LogDenied(request.WorkloadId, request.TaskId, deny.Rule);
        return new GrantOutcome.Refused(Refusal.Denied(deny.Reason));
    }

    /// <summary>Stores the grant (task checks included, atomically) and only then signs its token (invariant 1).</summary>
    private async Task<GrantOutcome> IssueAsync(GrantRequest request, WorkloadDefinition workload, string audience, TimeSpan ttl, CancellationToken cancellationToken)
    {
        if (pendingKillSwitch.Rule is { } held)
        {
            return new GrantOutcome.Refused(KillSwitchEngaged(held));
        }

        // Watched in the background (RedisSafetyMonitor); a field read, so it costs a grant nothing.
        if (safety.Current.GrantRefusal() is { } unsafeStore)
        {
            return new GrantOutcome.Refused(unsafeStore);
        }

        var draft = new GrantDraft(
            GrantIds.New(),
            request.TaskId,
            request.WorkloadId,
            workload.Owner,
            request.Purpose,
            request.Tools,
            audience,
            ttl,
            NotAfter: null)
        {
            WriteBy = request.Deadline,
        };

        var limited = !GrantQuota.Of(workload).IsUnlimited;
        var sent = false;
        GrantInsertResult inserted;
        try
        {
            if (await CheckStandingRulesAsync(request, cancellationToken).ConfigureAwait(false) is { } stands)
            {
                return new GrantOutcome.Refused(stands);
            }

            if (await ReserveQuotaAsync(workload, draft, cancellationToken).ConfigureAwait(false) is { } exhausted)
            {
                return new GrantOutcome.Refused(exhausted);
            }

            var requireOpenTask = policy.Current.Limits.RequireOpenTask || workload.RequireOpenTask;
            sent = true;
            inserted = await store.InsertGrantAsync(draft, requireOpenTask, cancellationToken).ConfigureAwait(false);
            if (inserted is not GrantInsertResult.Inserted && limited)
            {
                await store.ReleaseGrantAsync(draft.WorkloadId, draft.GrantId, issued: false, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is BrokerStoreUnavailableException or OperationCanceledException)
        {
            // The insert may still land after this broker gave up on it (a stalled Redis runs it later):
            // undo it, queued behind it, so no record stays live without its token.
            if (sent || limited)
            {
                Discard(draft.TaskId, draft.GrantId, draft.WorkloadId);
            }

            if (e is OperationCanceledException)
            {
                throw;
            }

            LogStoreUnavailable(e, request.TaskId);
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; no token issued"));
        }

        if (inserted is not GrantInsertResult.Inserted { Grant: var grant })
        {
            return new GrantOutcome.Refused(TaskRefusal(request, inserted));
        }

        // Past the caller's deadline nothing is minted: the caller is gone and the record is undone.
        cancellationToken.ThrowIfCancellationRequested();
        var token = tokens.Mint(grant);
        LogIssued(grant.GrantId, grant.WorkloadId, grant.TaskId, grant.ExpiresAt);
        return new GrantOutcome.Issued(grant, token);
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

            if (!string.Equals(found.Grant.WorkloadId, workloadId, StringComparison.Ordinal))
            {
                return Refusal.Denied($"grant {grantId} belongs to another workload");
            }

            return await RevokeAsync(grantId, "released by its workload", AuditKinds.GrantReleased, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException e)
        {
            LogStoreUnavailable(e, grantId);
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
            LogStoreUnavailable(e, grantId);
            return Refusal.StoreUnavailable("grant store unavailable; the grant was not revoked");
        }
    }

    private static Refusal TaskRefusal(GrantRequest request, GrantInsertResult result) => result switch
    {
        GrantInsertResult.TaskRevoked r => Refusal.Precondition($"task {request.TaskId} was revoked at {r.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}"),
        GrantInsertResult.TaskNotOpened => Refusal.Precondition($"task {request.TaskId} is not open: policy requires an orchestrator to open it first (requireOpenTask)"),
        // The caller learns only that the task is not theirs; naming the owner would tell any agent who owns any task.
        GrantInsertResult.TaskOwnedByOther o => Refusal.Denied($"task {request.TaskId} is not yours") with { AuditDetail = $"task {request.TaskId} belongs to workload {o.WorkloadId}" },
        GrantInsertResult.OutsideEnvelope e => Refusal.Denied($"tool '{e.Tool}' is outside the envelope of task {request.TaskId}"),
        GrantInsertResult.TaskExpired x => Refusal.Precondition($"task {request.TaskId} passed its deadline at {x.Deadline:yyyy-MM-ddTHH:mm:ssZ}"),
        GrantInsertResult.TooLate => Refusal.StoreUnavailable("grant store answered after the request's deadline; nothing was recorded and no token issued"),
        GrantInsertResult.StoreFull f => new StoreCondition(StoreConditionKind.NearlyFull, f.Reason).GrantRefusal()!,
        _ => throw new InvalidOperationException($"unexpected insert result {result.GetType().Name}"),
    };

    /// <summary>
    /// Refuses while the kill switch, a quarantine or a tool revocation stands. This is for the
    /// agent's sake: safety does not depend on it, because a rule covers every token issued before
    /// it is lifted, including one minted while this check raced the rule (invariant 4).
    /// </summary>
    private static Refusal KillSwitchEngaged(RevocationRule rule) =>
        Refusal.Precondition($"kill switch engaged at {rule.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}: no grants are issued");

    private async Task<Refusal?> CheckStandingRulesAsync(GrantRequest request, CancellationToken cancellationToken)
    {
        var standing = await revocations.GetStandingAsync(request.WorkloadId, request.Tools, cancellationToken).ConfigureAwait(false);
        var wait = TimeSpan.Zero;
        foreach (var rule in standing.Rules.Where(r => r.StandsAt(standing.Now)))
        {
            if (rule.LiftedAt is { } lifted && lifted - standing.Now <= ShortWait)
            {
                // The rule's last covered second is ending; a token minted in it would be dead on arrival.
                wait = lifted - standing.Now > wait ? lifted - standing.Now : wait;
                continue;
            }

            return rule.Kind switch
            {
                RevocationKind.All => KillSwitchEngaged(rule),
                RevocationKind.Workload => Refusal.Precondition($"workload {rule.Subject} is quarantined {Until(rule)}") with { RetryAfter = rule.LiftedAt - standing.Now },
                _ => Refusal.Precondition($"tool {rule.Subject} was revoked at {rule.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}; its grants are refused {Until(rule)}") with { RetryAfter = rule.LiftedAt - standing.Now },
            };
        }

        if (wait > TimeSpan.Zero)
        {
            // A timer may fire a little early; the margin keeps the new iat past the lift.
            await Task.Delay(wait + TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private async Task<BrokerResult<GrantRevocationResult>> RevokeAsync(string grantId, string reason, string auditKind, CancellationToken cancellationToken)
    {
        // The rule goes to the log first: if the record update then fails, the grant is still dead
        // to every verifier and the caller, told UNAVAILABLE, retries. Errs toward revoking.
        var entry = await revocations.AppendAsync(new RevocationDraft(RevocationKind.Grant, grantId, reason, LiftAfter: null, lifetime.AfterLift), cancellationToken).ConfigureAwait(false);
        var result = await store.RevokeGrantAsync(grantId, reason, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            return Refusal.NotFound($"grant {grantId} is unknown or expired");
        }

        result = result with { DurabilityNotConfirmed = unconfirmed.Note(entry) };

        await ReleaseQuotaAsync(result.Grant, cancellationToken).ConfigureAwait(false);

        LogGrantRevoked(grantId, reason);
        await audit.RecordRevocationAsync(auditKind, result, reason, cancellationToken).ConfigureAwait(false);
        return BrokerResult<GrantRevocationResult>.Ok(result);
    }

    private static string Until(RevocationRule rule) => rule.LiftedAt is { } lifted
        ? $"until {lifted:yyyy-MM-ddTHH:mm:ssZ}"
        : "until an operator releases it";

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Issued grant {GrantId} to {WorkloadId} for task {TaskId}, expires {ExpiresAt:O}")]
    private partial void LogIssued(string grantId, string workloadId, string taskId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Denied grant to {WorkloadId} for task {TaskId} by rule {Rule}")]
    private partial void LogDenied(string workloadId, string taskId, string rule);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Revoked grant {GrantId}: {Reason}")]
    private partial void LogGrantRevoked(string grantId, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Could not discard the record of refused grant {GrantId}; it expires with its TTL")]
    private partial void LogDiscardFailed(Exception error, string grantId);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Store unavailable while handling {Subject}; failing closed")]
    private partial void LogStoreUnavailable(Exception error, string subject);

    /// <summary>Debug: a flood of these is what the limit is for.</summary>
    [LoggerMessage(EventId = 1045, Level = LogLevel.Debug, Message = "Refused a grant request of {WorkloadId} undecided: past its refusal limit")]
    private partial void LogRefusalLimited(string workloadId);
}
