using CredBroker.Core.Policy;
using CredBroker.Core.Validation;

namespace CredBroker.Core.Grants;

/// <summary>
/// A grant request's decision, in order and forward only: validate the input, ask the policy, then
/// hold the request for a person (<see cref="GrantApprovals"/>) or issue it (<see cref="GrantIssuance"/>:
/// anomaly pre-checks, one store step, the token). Each step answers with a value; the first refusal
/// is the answer. Recording the decision is the caller's last step (<c>GrantBroker</c>, <c>GrantAudit</c>).
/// </summary>
public sealed class GrantPipeline(IPolicySource policy, TimeProvider time, GrantApprovals approvals, GrantIssuance issuance)
{
    public async Task<GrantOutcome> DecideAsync(GrantRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (GrantRequestValidator.Validate(request) is { } invalid)
        {
            return new GrantOutcome.Refused(invalid);
        }

        if (!string.IsNullOrEmpty(request.ApprovalId))
        {
            return await approvals.CollectAsync(request, request.ApprovalId, cancellationToken).ConfigureAwait(false);
        }

        var decision = PolicyEvaluator.Evaluate(policy.Current, request, time.GetUtcNow());
        return decision switch
        {
            PolicyDecision.Invalid bad => new GrantOutcome.Refused(Refusal.Invalid(bad.Field, bad.Problem)),
            PolicyDecision.Deny deny => approvals.Denied(request, deny),
            PolicyDecision.NeedsApproval needs => await approvals.HoldAsync(request, needs, cancellationToken).ConfigureAwait(false),
            PolicyDecision.Allow allow => await issuance.IssueAsync(request, allow.Workload, allow.Audience, allow.Ttl, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException($"unexpected decision {decision.GetType().Name}"),
        };
    }
}
