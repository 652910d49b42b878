using System.Security.Cryptography;

namespace CredBroker.Core.Approvals;

/// <summary>Where an approval stands. <see cref="Expired"/> is what a pending or approved, uncollected approval becomes at its expiry.</summary>
public enum ApprovalState
{
    Pending,
    Approved,
    Denied,
    /// <summary>Its one grant was issued; it yields no other (an approval is good for exactly one grant).</summary>
    Collected,
    Expired,
}

/// <summary>A request policy held for a person, as the agent made it, plus the decision on it.</summary>
/// <param name="Ttl">The lifetime policy allowed when the request was made; collection bounds it again by the policy then in force.</param>
/// <param name="Rule">The policy rule that asked for approval.</param>
/// <param name="ExpiresAt">Neither a decision nor a collection counts after this.</param>
public sealed record ApprovalRecord(
    string ApprovalId,
    string WorkloadId,
    string Owner,
    string TaskId,
    string Purpose,
    IReadOnlyList<string> Tools,
    IReadOnlyDictionary<string, string> Context,
    TimeSpan Ttl,
    string Rule,
    string Reason,
    DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt,
    ApprovalState State,
    string? DecidedBy = null,
    DateTimeOffset? DecidedAt = null,
    string? DecisionReason = null)
{
    /// <summary>The state as of <paramref name="now"/>: pending and approved approvals expire.</summary>
    public ApprovalState StateAt(DateTimeOffset now) =>
        State is ApprovalState.Pending or ApprovalState.Approved && now >= ExpiresAt ? ApprovalState.Expired : State;
}

/// <summary>What an agent asked for, before the store stamps its times and id.</summary>
public sealed record ApprovalDraft(
    string WorkloadId,
    string Owner,
    string TaskId,
    string Purpose,
    IReadOnlyList<string> Tools,
    IReadOnlyDictionary<string, string> Context,
    TimeSpan Ttl,
    string Rule,
    string Reason)
{
    /// <summary>128 random bits, base64url: an approval id cannot be guessed to collect someone else's grant.</summary>
    public string ApprovalId { get; init; } = NewId();

    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return "ap_" + Base64Url.Encode(bytes);
    }

    public ApprovalRecord Stamp(DateTimeOffset now, TimeSpan lifetime) =>
        new(ApprovalId, WorkloadId, Owner, TaskId, Purpose, Tools, Context, Ttl, Rule, Reason, now, now + lifetime, ApprovalState.Pending);
}

/// <summary>The outcome of changing an approval's state in the store; <see cref="Record"/> is as it stands afterwards (null when unknown).</summary>
public sealed record ApprovalChange(ApprovalChangeOutcome Outcome, ApprovalRecord? Record);

public enum ApprovalChangeOutcome
{
    Changed,
    NotFound,
    /// <summary>The approval is not in the state the change needs (see the record's state).</summary>
    WrongState,
    /// <summary>Collection by a workload or for a task other than the one that asked.</summary>
    WrongRequester,
}

/// <summary>One page of pending approvals, by expiry then id.</summary>
public sealed record ApprovalPage(IReadOnlyList<ApprovalRecord> Approvals, string? NextPageToken);
