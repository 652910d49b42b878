using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;

namespace CredBroker.Core.Grants;

/// <summary>What the store's refusal of an insert tells the agent: one message per result, each a person can act on.</summary>
public static class GrantRefusals
{
    /// <summary>A rule lifting within this long is waited out rather than refused, so a grant is not bounced for a second.</summary>
    public static readonly TimeSpan ShortWait = TimeSpan.FromSeconds(1.5);

    /// <summary>The refusal for an insert the store did not make; <paramref name="workload"/> names the rule whose caps refused.</summary>
    public static Refusal Of(GrantRequest request, WorkloadDefinition workload, GrantInsertResult result)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(workload);
        return result switch
        {
            GrantInsertResult.RulesStand stand => Standing(stand),
            GrantInsertResult.QuotaExceeded { Quota: var quota } => Quota(request.WorkloadId, workload.Name, quota),
            _ => Task(request, result),
        };
    }

    /// <summary>A refusal on the task's account (also what holding a request for approval checks first).</summary>
    public static Refusal Task(GrantRequest request, GrantInsertResult result)
    {
        ArgumentNullException.ThrowIfNull(request);
        return result switch
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
    }

    /// <summary>
    /// Refuses while the kill switch stands. This is for the agent's sake: safety does not depend on
    /// it, because a rule covers every token issued before it is lifted, including one minted while
    /// this check raced the rule (invariant 4).
    /// </summary>
    public static Refusal KillSwitch(RevocationRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return Refusal.Precondition($"kill switch engaged at {rule.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}: no grants are issued");
    }

    /// <summary>How long to wait when every standing rule lifts within <see cref="ShortWait"/>; null when one does not.</summary>
    public static TimeSpan? LiftsSoon(GrantInsertResult.RulesStand stand)
    {
        ArgumentNullException.ThrowIfNull(stand);
        var wait = TimeSpan.Zero;
        foreach (var rule in stand.Rules)
        {
            if (rule.LiftedAt is not { } lifted || lifted - stand.Now > ShortWait)
            {
                return null;
            }

            wait = lifted - stand.Now > wait ? lifted - stand.Now : wait;
        }

        return wait;
    }

    /// <summary>The first rule that does not lift within <see cref="ShortWait"/> names the refusal (the first of all when each does).</summary>
    private static Refusal Standing(GrantInsertResult.RulesStand stand)
    {
        var rule = stand.Rules.FirstOrDefault(r => r.LiftedAt is not { } lifted || lifted - stand.Now > ShortWait) ?? stand.Rules[0];
        return rule.Kind switch
        {
            RevocationKind.All => KillSwitch(rule),
            RevocationKind.Workload => Refusal.Precondition($"workload {rule.Subject} is quarantined {Until(rule)}") with { RetryAfter = rule.LiftedAt - stand.Now },
            _ => Refusal.Precondition($"tool {rule.Subject} was revoked at {rule.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}; its grants are refused {Until(rule)}") with { RetryAfter = rule.LiftedAt - stand.Now },
        };
    }

    /// <summary>
    /// A cap reached. RESOURCE_EXHAUSTED with a retry delay (google.rpc.RetryInfo), never UNAVAILABLE,
    /// which clients would retry blindly.
    /// </summary>
    private static Refusal Quota(string workloadId, string rule, QuotaResult quota)
    {
        switch (quota)
        {
            case QuotaResult.RateLimited limited:
                var rateRetry = AtLeastOneSecond(limited.RetryAfter);
                return new Refusal(
                    RefusalKind.ResourceExhausted,
                    $"workload {workloadId} reached its rate limit of {limited.Count} grants per {DurationText.Format(limited.Window)} (policy rule '{rule}' rateLimit); retry in {DurationText.Format(rateRetry)}",
                    RetryAfter: rateRetry);
            case QuotaResult.TooManyLive live:
                var liveRetry = AtLeastOneSecond(live.RetryAfter);
                return new Refusal(
                    RefusalKind.ResourceExhausted,
                    $"workload {workloadId} holds {live.Live} live grants, the most policy rule '{rule}' allows (maxLiveGrants); release one or retry in {DurationText.Format(liveRetry)}",
                    RetryAfter: liveRetry);
            default:
                throw new InvalidOperationException($"unexpected quota result {quota.GetType().Name}");
        }
    }

    /// <summary>Whole seconds, rounded up: a client told "retry in 0s" would spin.</summary>
    private static TimeSpan AtLeastOneSecond(TimeSpan delay) =>
        TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(delay.TotalSeconds)));

    private static string Until(RevocationRule rule) => rule.LiftedAt is { } lifted
        ? $"until {lifted:yyyy-MM-ddTHH:mm:ssZ}"
        : "until an operator releases it";
}
