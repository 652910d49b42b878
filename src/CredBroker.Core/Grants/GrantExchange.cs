using CredBroker.Core.Policy;
using CredBroker.Core.Tokens;
using CredBroker.Core.Validation;

namespace CredBroker.Core.Grants;

/// <summary>
/// An exchange's decision (<c>ExchangeGrant</c>, RFC 8693), forward only and attenuating only: the
/// input, the parent token (the broker's own validator: signature, issuer, lifetime), the depth, who
/// may delegate to whom, the tools (in the parent's scope, delegable, allowed to the child by policy,
/// on the parent's audience), the parent's liveness (the check Introspect makes), then the same
/// issuance as <c>RequestGrant</c> (anomaly pre-checks, one store step, the token). The child stays in
/// the parent's task and never outlives the parent. Each refusal is a value and nothing is written before the store step.
/// </summary>
public sealed class GrantExchange(AccessTokenValidator validator, TokenIntrospector introspector, IPolicySource policy, TimeProvider time, GrantIssuance issuance)
{
    private static readonly IReadOnlyDictionary<string, string> NoContext = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The decision and the request as it is put on record (the caller, the parent's task, the tools asked).</summary>
    public async Task<(GrantRequest Record, GrantOutcome Outcome)> DecideAsync(ExchangeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var asked = new GrantRequest(request.WorkloadId, request.TaskId, request.Purpose, request.Tools, request.Ttl, NoContext)
        {
            Deadline = request.Deadline,
            Wire = request.Wire,
        };

        if (request.TaskId.Length > 0 && FieldChecks.TaskId(request.TaskId) is { } badTask)
        {
            return (asked, Refused(badTask));
        }

        // The fields first, each named, as RequestGrant does; the task is the parent's (read from its
        // signed token below), so a well-formed stand-in lets the one validator check the rest.
        if (GrantRequestValidator.Validate(asked with { TaskId = request.TaskId.Length > 0 ? request.TaskId : "exchange" }) is { } invalid)
        {
            return (asked, Refused(invalid));
        }

        if (string.IsNullOrEmpty(request.SubjectToken))
        {
            return (asked, Refused(Refusal.Invalid("subject_token", "the parent's access token is required")));
        }

        var validation = await validator.ValidateAsync(request.SubjectToken, cancellationToken).ConfigureAwait(false);
        if (validation.Claims is not { } parent)
        {
            return (asked, Refused(validation.Reason == TokenFailure.Expired
                ? Refusal.Precondition("subject_token: the parent token is expired")
                : Refusal.Invalid("subject_token", $"not a live access token of this broker ({validation.Failure})")));
        }

        var child = asked with { TaskId = parent.TaskId, ParentGrantId = parent.JwtId };

        if (request.TaskId.Length > 0 && !string.Equals(request.TaskId, parent.TaskId, StringComparison.Ordinal))
        {
            // A sub-agent handed a token of another task must not work on that task under this one's name.
            return (asked with { ParentGrantId = parent.JwtId }, Refused(Refusal.Denied($"task_id: the parent token is for another task than {request.TaskId}")));
        }

        var now = time.GetUtcNow();
        if (parent.ExpiresAt <= now)
        {
            // Inside the validator's skew but past its exp: a child would be dead on arrival.
            return (child, Refused(Refusal.Precondition("subject_token: the parent token is expired")));
        }

        var current = policy.Current;
        if (Attenuation(current, parent, child) is { } denied)
        {
            return (child, Refused(denied));
        }

        var decision = PolicyEvaluator.Evaluate(current, child, now);
        PolicyDecision.Allow allow;
        switch (decision)
        {
            case PolicyDecision.Invalid bad:
                return (child, Refused(Refusal.Invalid(bad.Field, bad.Problem)));
            case PolicyDecision.Deny deny:
                return (child, Refused(Refusal.Denied(deny.Reason) with { Field = "tools" }));
            case PolicyDecision.NeedsApproval needs:
                return (child, Refused(Refusal.Denied($"{needs.Reason}; a delegated grant cannot wait for approval") with { Field = "tools" }));
            case PolicyDecision.Allow allowed:
                allow = allowed;
                break;
            default:
                throw new InvalidOperationException($"unexpected decision {decision.GetType().Name}");
        }

        if (!string.Equals(allow.Audience, parent.Audience, StringComparison.Ordinal))
        {
            return (child, Refused(Refusal.Denied($"tools are for audience {allow.Audience}, the parent token for {parent.Audience}") with { Field = "resource" }));
        }

        if (current.FindWorkload(parent.Subject) is not { } root)
        {
            return (child, Refused(Refusal.Denied($"the root workload {parent.Subject} of the chain is not in policy")));
        }

        var live = await introspector.CheckLiveAsync(parent, cancellationToken).ConfigureAwait(false);
        if (live.Refusal is { } unavailable)
        {
            return (child, Refused(unavailable));
        }

        if (live.Value is { Active: false, Reason: var reason })
        {
            return (child, Refused(Refusal.Precondition($"subject_token: the parent grant {parent.JwtId} is not live: {reason}")));
        }

        var chain = new DelegationChain([request.WorkloadId, .. parent.Actors], [.. parent.Ancestors, parent.JwtId]);
        // Stored and counted as the root's grant (its task, its caps), handed to the child: a parent
        // cannot multiply its rate through children, and the task's fence still holds.
        var asRoot = child with { WorkloadId = parent.Subject };
        var outcome = await issuance.IssueAsync(asRoot, root, parent.Audience, allow.Ttl, cancellationToken, chain, parent.ExpiresAt).ConfigureAwait(false);
        return (child, outcome);
    }

    /// <summary>Depth, delegates and tools: what the parent may hand on, whatever the child's own policy says.</summary>
    private static Refusal? Attenuation(BrokerPolicy current, AccessTokenClaims parent, GrantRequest child)
    {
        if (parent.DelegationDepth + 1 > current.Limits.MaxDelegationDepth)
        {
            return Refusal.Denied($"delegation depth {parent.DelegationDepth + 1} is beyond limits.maxDelegationDepth {current.Limits.MaxDelegationDepth}");
        }

        var holder = parent.Holder;
        if (current.FindWorkload(holder) is not { } from || !from.MayDelegateTo(child.WorkloadId))
        {
            return Refusal.Denied($"policy does not let {holder} delegate to {child.WorkloadId} (workloads[].delegates)");
        }

        foreach (var tool in child.Tools)
        {
            if (!parent.Scope.Contains(tool, StringComparer.Ordinal))
            {
                return Refusal.Denied($"tool '{tool}' is not in the parent grant's scope; a delegated grant can only narrow it") with { Field = "tools" };
            }

            if (current.Tools.TryGetValue(tool, out var definition) && !definition.Delegable)
            {
                return Refusal.Denied($"tool '{tool}' is not delegable (tools[].delegable: false)") with { Field = "tools" };
            }
        }

        return null;
    }

    private static GrantOutcome.Refused Refused(Refusal refusal) => new(refusal);
}
