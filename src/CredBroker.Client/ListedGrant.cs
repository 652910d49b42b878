namespace CredBroker.Client;

/// <summary>A live grant as an operator sees it in <c>ListGrants</c> (no token).</summary>
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
public sealed record ApprovalOutcome(string ApprovalId, string Status, string DecidedBy, DateTimeOffset? DecidedAt, string Reason);
