using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Tokens;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Grants;

/// <summary>
/// A grant the policy allowed, from draft to signed token, forward only: the stops this broker knows
/// without asking (a kill switch held in memory, an unsafe store), the anomaly pre-checks, one atomic
/// store step (standing rules, the workload's caps, the task's checks and the insert), then the token.
/// Nothing is signed before the store acknowledged the grant (invariant 1), and a refusal at any step
/// has written nothing that a later step would have to take back.
/// </summary>
public sealed class GrantIssuance(
    IPolicySource policy,
    IBrokerStore store,
    AccessTokenIssuer tokens,
    TimeProvider time,
    IStoreSafety safety,
    PendingKillSwitch pendingKillSwitch,
    GrantAnomalyCheck anomalies,
    ILogger<GrantIssuance> logger)
{
    /// <summary>A timer may fire a little early; the margin keeps the new iat past the lift.</summary>
    private static readonly TimeSpan LiftMargin = TimeSpan.FromMilliseconds(20);

    /// <param name="delegation">For <c>ExchangeGrant</c>: the chain the grant descends from; the request and workload are then the root's.</param>
    /// <param name="parentExpiresAt">For <c>ExchangeGrant</c>: the parent token's exp, which the grant's cannot pass.</param>
    public async Task<GrantOutcome> IssueAsync(
        GrantRequest request,
        WorkloadDefinition workload,
        string audience,
        TimeSpan ttl,
        CancellationToken cancellationToken,
        DelegationChain? delegation = null,
        DateTimeOffset? parentExpiresAt = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(workload);
        if (pendingKillSwitch.Rule is { } held)
        {
            return new GrantOutcome.Refused(GrantRefusals.KillSwitch(held));
        }

        // Watched in the background (RedisSafetyMonitor); a field read, so it costs a grant nothing.
        if (safety.Current.GrantRefusal() is { } unsafeStore)
        {
            return new GrantOutcome.Refused(unsafeStore);
        }

        var draft = new GrantDraft(GrantIds.New(), request.TaskId, request.WorkloadId, workload.Owner, request.Purpose, request.Tools, audience, ttl, NotAfter: null)
        {
            WriteBy = request.Deadline,
            Quota = GrantQuota.Of(workload),
            Delegation = delegation,
            ParentExpiresAt = parentExpiresAt,
        };

        if (await anomalies.CheckAsync(draft, cancellationToken).ConfigureAwait(false) is { } anomaly)
        {
            return new GrantOutcome.Refused(anomaly) { GrantId = draft.GrantId };
        }

        var inserted = await InsertAsync(draft, policy.Current.Limits.RequireOpenTask || workload.RequireOpenTask, cancellationToken).ConfigureAwait(false);
        if (inserted is null)
        {
            return new GrantOutcome.Refused(Refusal.StoreUnavailable("grant store unavailable; no token issued"));
        }

        if (inserted is not GrantInsertResult.Inserted { Grant: var grant })
        {
            if (inserted is GrantInsertResult.QuotaExceeded { Quota: var quota })
            {
                CoreLog.GrantExhausted(logger, request.WorkloadId, workload.Name, quota is QuotaResult.RateLimited ? "rateLimit" : "maxLiveGrants");
            }

            return new GrantOutcome.Refused(GrantRefusals.Of(request, workload, inserted));
        }

        // Past the caller's deadline nothing is minted: the caller is gone and the record is discarded.
        cancellationToken.ThrowIfCancellationRequested();
        var token = tokens.Mint(grant);
        CoreLog.GrantIssued(logger, grant.GrantId, grant.WorkloadId, grant.TaskId, grant.ExpiresAt);
        return new GrantOutcome.Issued(grant, token);
    }

    /// <summary>
    /// Forgets a stored grant whose token never left: best effort, never awaited for an answer; a record
    /// it misses expires with its grant. This is not an undo of a decision but the clean-up of a write
    /// the store may still make after the broker gave up on it (a stalled Redis runs it later).
    /// </summary>
    public void Discard(string taskId, string grantId, string workloadId)
    {
        try
        {
            _ = store.DiscardGrantAsync(taskId, grantId, workloadId, CancellationToken.None).AsTask().ContinueWith(
                t => CoreLog.GrantDiscardFailed(logger, t.Exception!, grantId),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.GrantDiscardFailed(logger, e, grantId);
        }
    }

    /// <summary>The one store step; null when the store did not answer (fail closed, invariant 1).</summary>
    private async Task<GrantInsertResult?> InsertAsync(GrantDraft draft, bool requireOpenTask, CancellationToken cancellationToken)
    {
        try
        {
            var inserted = await store.InsertGrantAsync(draft, requireOpenTask, cancellationToken).ConfigureAwait(false);
            if (inserted is GrantInsertResult.RulesStand stand && GrantRefusals.LiftsSoon(stand) is { } wait)
            {
                // The rules' last covered second is ending; a token minted in it would be dead on
                // arrival, so the broker waits it out and asks the store once more.
                await Task.Delay(wait + LiftMargin, time, cancellationToken).ConfigureAwait(false);
                inserted = await store.InsertGrantAsync(draft, requireOpenTask, cancellationToken).ConfigureAwait(false);
            }

            return inserted;
        }
        catch (Exception e) when (e is BrokerStoreUnavailableException or OperationCanceledException)
        {
            // The insert may still land after this broker gave up on it: discarded, queued behind it,
            // so no record stays live without its token.
            Discard(draft.TaskId, draft.GrantId, draft.WorkloadId);
            if (e is OperationCanceledException)
            {
                throw;
            }

            CoreLog.GrantStoreUnavailable(logger, e, draft.TaskId);
            return null;
        }
    }
}
