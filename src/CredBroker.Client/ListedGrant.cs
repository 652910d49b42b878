namespace CredBroker.Client;

/// <summary>A live grant as an operator sees it in <c>ListGrants</c> (no token).</summary>
/// <param name="GrantId">The grant id (its token's <c>jti</c>), which <c>RevokeGrantAsync</c> takes.</param>
/// <param name="TaskId">The task the grant is bound to.</param>
/// <param name="WorkloadId">The workload it was granted to.</param>
/// <param name="Tools">The granted tools.</param>
/// <param name="Purpose">The purpose stated for it.</param>
/// <param name="Owner">Who is accountable for its task.</param>
/// <param name="Audience">The tool server its token is for.</param>
/// <param name="IssuedAt">When it was issued, by the broker's clock.</param>
/// <param name="ExpiresAt">When its token expires.</param>
public sealed record ListedGrant(
    string GrantId,
    string TaskId,
    string WorkloadId,
    IReadOnlyList<string> Tools,
    string Purpose,
    string Owner,
    string Audience,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt);

/// <summary>A request held for approval, as approvers see it in <c>ListApprovals</c>.</summary>
/// <param name="ApprovalId">The id <c>ApproveAsync</c> and <c>DenyAsync</c> take.</param>
/// <param name="WorkloadId">The workload that asked.</param>
/// <param name="Owner">Who is accountable for the task.</param>
/// <param name="TaskId">The task the grant would be bound to.</param>
/// <param name="Purpose">The purpose the agent stated.</param>
/// <param name="Tools">The tools asked for.</param>
/// <param name="Context">The facts the agent sent with the request, which the policy read.</param>
/// <param name="Reason">Why approval is needed (which rule).</param>
/// <param name="RequestedAt">When the request was held.</param>
/// <param name="ExpiresAt">When it lapses if nobody decides.</param>
public sealed record HeldRequest(
    string ApprovalId,
    string WorkloadId,
    string Owner,
    string TaskId,
    string Purpose,
    IReadOnlyList<string> Tools,
    IReadOnlyDictionary<string, string> Context,
    string Reason,
    DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt);

/// <summary>An approver's decision: <c>approved</c> or <c>denied</c>, by whom, when, why.</summary>
/// <param name="ApprovalId">The approval request decided on.</param>
/// <param name="Status">Its state after the decision, lower case (e.g. <c>approved</c>, <c>denied</c>).</param>
/// <param name="DecidedBy">The approver's identity.</param>
/// <param name="DecidedAt">When it was decided; null while undecided.</param>
/// <param name="Reason">The approver's comment or reason.</param>
public sealed record ApprovalOutcome(string ApprovalId, string Status, string DecidedBy, DateTimeOffset? DecidedAt, string Reason);
