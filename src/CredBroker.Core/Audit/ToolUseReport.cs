using CredBroker.Core.Grants;
using CredBroker.Core.Identity;
using CredBroker.Core.Policy;
using CredBroker.Core.Validation;

namespace CredBroker.Core.Audit;

/// <summary>What a tool server reports about one use of a token (<c>VerifyService.RecordToolUse</c>).</summary>
/// <param name="PresenterWorkloadId">The workload the tool server saw presenting the token; empty when it does not know.</param>
/// <param name="TaskId">The token's <c>task_id</c> as the tool server read it; kept as evidence only (the grant's own task counts).</param>
/// <param name="WorkloadId">The token's <c>sub</c> as the tool server read it; kept as evidence only (the grant's own workload counts).</param>
public sealed record ToolUseReport(string GrantId, string Tool, string Action, string Outcome, string Detail, string PresenterWorkloadId, string TaskId = "", string WorkloadId = "")
{
    public const int ActionMaxLength = 256;
    public const int OutcomeMaxLength = 64;

    /// <summary>The outcome a tool server reports when the token it was shown is revoked.</summary>
    public const string RejectedRevoked = "rejected_revoked";

    /// <summary>The outcome a tool server reports when the token it was shown is expired.</summary>
    public const string RejectedExpired = "rejected_expired";

    /// <summary>The outcome a tool server reports when a workload other than the token's subject presented it.</summary>
    public const string RejectedWorkloadMismatch = "rejected_workload_mismatch";

    /// <summary>The first bad field, or null. Nothing is recorded for a report with a bad field (invariant 8).</summary>
    public Refusal? Validate()
    {
        if (!GrantIds.IsWellFormed(GrantId))
        {
            return Refusal.Invalid("grant_id", string.IsNullOrEmpty(GrantId) ? "required" : "not a grant id");
        }

        if (!ToolNames.IsWellFormed(Tool))
        {
            return Refusal.Invalid("tool", string.IsNullOrEmpty(Tool) ? "required" : "not a tool name (dotted lower-case segments, at most 128 characters)");
        }

        if (FieldChecks.Text(Action, "action", ActionMaxLength, required: true) is { } badAction)
        {
            return badAction;
        }

        if (string.IsNullOrEmpty(Outcome))
        {
            return Refusal.Invalid("outcome", "required");
        }

        if (Outcome.Length > OutcomeMaxLength || !Outcome.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            return Refusal.Invalid("outcome", $"lower_snake_case, at most {OutcomeMaxLength} characters, e.g. ok, error, {RejectedRevoked}");
        }

        if (FieldChecks.Text(Detail, "detail", InputLimits.ReasonMaxLength, required: false) is { } badDetail)
        {
            return badDetail;
        }

        if (!string.IsNullOrEmpty(TaskId) && FieldChecks.TaskId(TaskId) is { } badTask)
        {
            return badTask;
        }

        if (!string.IsNullOrEmpty(WorkloadId) && !SpiffeId.IsValid(WorkloadId))
        {
            return Refusal.Invalid("workload_id", "not a SPIFFE ID (spiffe://trust-domain/path)");
        }

        return !string.IsNullOrEmpty(PresenterWorkloadId) && !SpiffeId.IsValid(PresenterWorkloadId)
            ? Refusal.Invalid("presenter_workload_id", "not a SPIFFE ID (spiffe://trust-domain/path)")
            : null;
    }
}
