using System.Diagnostics;
using CredBroker.Core.Grants;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using CredBroker.Core.Telemetry;

namespace CredBroker.Core.Audit;

/// <summary>
/// The grant pipeline's last step: puts each decision on the record and counts it in the metrics,
/// and changes nothing. Refusals are recorded with their input cut to the field limits
/// (<see cref="AuditBounds"/>). Whether a decision that no sink took may still leave is the broker's
/// one named step after this (<c>GrantBroker.FailClosedWhenUnrecordedAsync</c>), not this class's.
/// </summary>
public sealed class GrantAudit(AuditLog log, IPolicySource policy, BrokerMetrics metrics)
{
    /// <summary>Records the decision; true when the record was taken (by every durable sink, when there is one).</summary>
    public async Task<bool> RecordAsync(GrantRequest request, GrantOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outcome);
        var entry = outcome switch
        {
            GrantOutcome.Issued { Grant: var grant } => Exchanged(Issued(grant), grant),
            GrantOutcome.Refused refused => Parent(AuditBounds.Apply(Entry(request, AuditKinds.GrantRefused, DecisionOf(refused.Refusal.Kind)) with
            {
                Reason = refused.Refusal.AuditDetail ?? refused.Refusal.Message,
                GrantId = refused.GrantId ?? string.Empty,
            }), request),
            // A held request is on record before the agent learns its approval id.
            GrantOutcome.Pending { Approval: var approval } => ApprovalAudit.Pending(approval),
            _ => AuditBounds.Apply(Entry(request, "grant." + outcome.GetType().Name.ToLowerInvariant(), outcome.GetType().Name.ToLowerInvariant())),
        };
        return await log.TryAppendAsync(Wired(entry, request), cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Counts the answer in the metrics; <paramref name="started"/> is when the decision began (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void Decided(GrantOutcome outcome, long started)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var elapsed = Stopwatch.GetElapsedTime(started);
        switch (outcome)
        {
            case GrantOutcome.Issued issued:
                metrics.Issued(issued.Grant);
                metrics.GrantDecided("issued", "allow", elapsed);
                break;
            case GrantOutcome.Refused refused:
                metrics.GrantDecided("refused", DecisionOf(refused.Refusal.Kind), elapsed);
                break;
            default:
                metrics.GrantDecided(outcome.GetType().Name.ToLowerInvariant(), "approval_required", elapsed);
                break;
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

    private AuditEntry Entry(GrantRequest request, string kind, string decision) => new(kind, decision)
    {
        WorkloadId = request.WorkloadId,
        Owner = policy.Current.FindWorkload(request.WorkloadId)?.Owner ?? string.Empty,
        TaskId = request.TaskId,
        Purpose = request.Purpose,
        Tools = request.Tools,
        Evidence = request.Context,
    };

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

    /// <summary>
    /// A delegated grant's one event: the root as its workload (whose task and caps it uses), the child
    /// as <c>actor</c>, the parent grant and the chain as evidence, so the log links each exchange to its parent.
    /// </summary>
    private static AuditEntry Exchanged(AuditEntry entry, GrantRecord grant)
    {
        if (grant.Delegation is not { } chain)
        {
            return entry;
        }

        return entry with
        {
            Kind = AuditKinds.GrantExchanged,
            Evidence = new Dictionary<string, string>(entry.Evidence, StringComparer.Ordinal)
            {
                ["actor"] = chain.Holder,
                ["parent_grant"] = chain.ParentGrantId,
                ["ancestor_grants"] = string.Join(' ', chain.Ancestors),
                ["actor_chain"] = string.Join(' ', chain.Actors),
                ["depth"] = chain.Depth.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>A refused exchange names the parent grant it asked from (once its token was read).</summary>
    private static AuditEntry Parent(AuditEntry entry, GrantRequest request) => request.ParentGrantId is not { } parent
        ? entry
        : entry with { Evidence = new Dictionary<string, string>(entry.Evidence, StringComparer.Ordinal) { ["parent_grant"] = parent } };

    private static AuditEntry Wired(AuditEntry entry, GrantRequest request) => entry with { Evidence = Wired(entry.Evidence, request.Wire) };

    /// <summary>The front door as evidence <c>wire</c>, added after the bounds so it is never cut; the broker's fact wins over a context key of that name.</summary>
    private static IReadOnlyDictionary<string, string> Wired(IReadOnlyDictionary<string, string> evidence, string? wire) =>
        wire is null ? evidence : new Dictionary<string, string>(evidence, StringComparer.Ordinal) { ["wire"] = wire };

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
}
