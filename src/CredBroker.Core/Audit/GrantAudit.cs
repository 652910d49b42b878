using System.Diagnostics;
using CredBroker.Core.Anomalies;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Audit;

/// <summary>
/// Records each grant decision before it leaves the broker. An issued grant whose event no sink took
/// is retracted (revoked in the log and the store) and answered UNAVAILABLE: no token without its
/// audit record. Refusals are recorded too, their input cut to the field limits (<see cref="AuditBounds"/>);
/// they stand whether or not the record was taken.
/// </summary>
public sealed partial class GrantAudit(AuditLog log, IPolicySource policy, IRevocationLog revocations, IBrokerStore store, RuleLifetime lifetime, ILogger<GrantAudit> logger, BrokerMetrics metrics, AnomalyResponder anomalies, RefusalSignals refusals)
{
    /// <param name="started">When the decision began (<see cref="Stopwatch.GetTimestamp"/>), for the latency histogram.</param>
    public async Task<GrantOutcome> RecordAsync(GrantRequest request, GrantOutcome outcome, long started, CancellationToken cancellationToken)
    {
        var final = await RecordAsync(request, outcome, cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        switch (final)
        {
            case GrantOutcome.Issued issued:
                metrics.Issued(issued.Grant);
                metrics.GrantDecided("issued", "allow", elapsed);
                break;
            case GrantOutcome.Refused refused:
                metrics.GrantDecided("refused", DecisionOf(refused.Refusal.Kind), elapsed);
                break;
            default:
                metrics.GrantDecided(final.GetType().Name.ToLowerInvariant(), "approval_required", elapsed);
                break;
        }

        return final;
    }

    /// <summary>A refusal deliberately not put on record (an identity past its refusal limit): only counted in the metrics.</summary>
    public GrantOutcome Unrecorded(GrantOutcome.Refused refused, long started)
    {
        ArgumentNullException.ThrowIfNull(refused);
        metrics.GrantDecided("refused", DecisionOf(refused.Refusal.Kind), Stopwatch.GetElapsedTime(started));
        return refused;
    }

    private async Task<GrantOutcome> RecordAsync(GrantRequest request, GrantOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outcome);
        switch (outcome)
        {
            case GrantOutcome.Issued { Grant: var grant }:
                var firings = await anomalies.ObserveAsync(new AnomalyObservation(AnomalySignal.GrantRate, grant.WorkloadId, grant.TaskId, grant.Tools, grant.GrantId, new Dictionary<string, string>()), cancellationToken).ConfigureAwait(false);
                if (firings.Count > 0)
                {
                    // Whatever the action, this grant's token must not leave: the rule fired on it.
                    await RetractAsync(grant, "anomaly: " + firings[0].Rule.Name, CancellationToken.None).ConfigureAwait(false);
                    var denied = Refusal.Denied($"{firings[0].Reason}; {firings[0].Outcome}");
                    await log.TryAppendAsync(Wired(AuditBounds.Apply(Entry(request, AuditKinds.GrantRefused, DecisionOf(denied.Kind)) with { Reason = denied.Message, GrantId = grant.GrantId }), request), cancellationToken).ConfigureAwait(false);
                    return new GrantOutcome.Refused(denied);
                }

                if (await log.TryAppendAsync(Wired(Issued(grant), request), cancellationToken).ConfigureAwait(false) is null)
                {
                    LogUnrecordedGrantRetracted(grant.GrantId, grant.TaskId);
                    await RetractAsync(grant, "audit log unavailable", CancellationToken.None).ConfigureAwait(false);
                    return new GrantOutcome.Refused(Refusal.StoreUnavailable("audit log unavailable; no token issued"));
                }

                return outcome;
            case GrantOutcome.Refused { Refusal: var refusal }:
                await log.TryAppendAsync(Wired(AuditBounds.Apply(Entry(request, AuditKinds.GrantRefused, DecisionOf(refusal.Kind)) with { Reason = refusal.AuditDetail ?? refusal.Message }), request), cancellationToken).ConfigureAwait(false);
                if (IsOutOfScope(refusal))
                {
                    await refusals.ObserveAsync(request, refusal, cancellationToken).ConfigureAwait(false);
                }

                return outcome;
            case GrantOutcome.Pending { Approval: var approval }:
                // A held request is on record before the agent learns its approval id.
                return await log.TryAppendAsync(Wired(ApprovalAudit.Pending(approval), request), cancellationToken).ConfigureAwait(false) is null
                    ? new GrantOutcome.Refused(Refusal.StoreUnavailable("audit log unavailable; the request was not recorded"))
                    : outcome;
            default:
                // Any other outcome is a decision that must be on record before it is answered.
                var kind = outcome.GetType().Name.ToLowerInvariant();
                return await log.TryAppendAsync(Wired(AuditBounds.Apply(Entry(request, "grant." + kind, kind)), request), cancellationToken).ConfigureAwait(false) is null
                    ? new GrantOutcome.Refused(Refusal.StoreUnavailable("audit log unavailable; the request was not recorded"))
                    : outcome;
        }
    }

    /// <summary>An operator's or the workload's own revocation of one grant. The revocation stands even when the record is lost.</summary>
    public async Task RecordRevocationAsync(string kind, GrantRevocationResult result, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var entry = Issued(result.Grant) with
        {
            Kind = kind,
            Decision = result.AlreadyRevoked ? "already_revoked" : "revoked",
            Reason = reason,
        };
        await log.TryAppendAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills a grant whose token must not leave the broker: rule first, then the record (as GrantBroker revokes).</summary>
    public async Task RetractAsync(GrantRecord grant, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        try
        {
            await revocations.AppendAsync(new RevocationDraft(RevocationKind.Grant, grant.GrantId, reason, LiftAfter: null, lifetime.AfterLift), cancellationToken).ConfigureAwait(false);
            await store.RevokeGrantAsync(grant.GrantId, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException e)
        {
            // The token itself never left this process, so nothing usable leaked; the record expires with it.
            LogRetractFailed(e, grant.GrantId);
        }
    }

    private AuditEntry Entry(GrantRequest request, string kind, string decision) => new(kind, decision)
    {
        WorkloadId = request.WorkloadId,
        Owner = policy.Current.FindWorkload(request.WorkloadId)?.Owner ?? string.Empty,
        TaskId = request.TaskId,
        Purpose = request.Purpose,
        Tools = request.Tools,
        Evidence = request.Context,
    };

    private static AuditEntry Wired(AuditEntry entry, GrantRequest request) => entry with { Evidence = Wired(entry.Evidence, request.Wire) };

    /// <summary>The front door as evidence <c>wire</c>, added after the bounds so it is never cut; the broker's fact wins over a context key of that name.</summary>
    private static IReadOnlyDictionary<string, string> Wired(IReadOnlyDictionary<string, string> evidence, string? wire) =>
        wire is null ? evidence : new Dictionary<string, string>(evidence, StringComparer.Ordinal) { ["wire"] = wire };

    private static AuditEntry Issued(GrantRecord grant) => new(AuditKinds.GrantIssued, "allow")
    {
        WorkloadId = grant.WorkloadId,
        Owner = grant.Owner,
        TaskId = grant.TaskId,
        Purpose = grant.Purpose,
        Tools = grant.Tools,
        GrantId = grant.GrantId,
        Evidence = new Dictionary<string, string>
        {
            ["audience"] = grant.Audience,
            ["issued_at"] = grant.IssuedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["expires_at"] = grant.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    /// <summary>Asking for what the workload may not have: a policy deny, a tool outside the envelope, an unknown tool.</summary>
    private static bool IsOutOfScope(Refusal refusal) =>
        refusal.Kind == RefusalKind.PermissionDenied
        || (refusal.Kind == RefusalKind.InvalidArgument && refusal.Field is { } field && field.StartsWith("tools[", StringComparison.Ordinal));

    /// <summary>The refusal kind as the log names it, e.g. <c>permission_denied</c>.</summary>
    public static string DecisionOf(RefusalKind kind) => kind switch
    {
        RefusalKind.InvalidArgument => "invalid_argument",
        RefusalKind.PermissionDenied => "permission_denied",
        RefusalKind.FailedPrecondition => "failed_precondition",
        RefusalKind.NotFound => "not_found",
        RefusalKind.ResourceExhausted => "resource_exhausted",
        RefusalKind.Unavailable => "unavailable",
        _ => kind.ToString().ToLowerInvariant(),
    };

    [LoggerMessage(EventId = 7005, Level = LogLevel.Error, Message = "No audit sink took the record of grant {GrantId} (task {TaskId}); the grant is retracted and the request fails closed")]
    private partial void LogUnrecordedGrantRetracted(string grantId, string taskId);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Could not retract grant {GrantId} after its audit record failed; its token never left the broker")]
    private partial void LogRetractFailed(Exception error, string grantId);
}
