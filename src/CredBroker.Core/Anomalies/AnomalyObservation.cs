namespace CredBroker.Core.Anomalies;

/// <summary>One event a rule may count: what happened, to whom, and the facts to keep as evidence.</summary>
public sealed record AnomalyObservation(
    AnomalySignal Signal,
    string WorkloadId,
    string TaskId,
    IReadOnlyList<string> Tools,
    string GrantId,
    IReadOnlyDictionary<string, string> Evidence,
    string Kind = "");

/// <summary>A rule that fired, why, and what was done about it.</summary>
/// <param name="Outcome">What the action did, for people: "task t-1 revoked (2 live grants)".</param>
public sealed record AnomalyFiring(AnomalyRule Rule, string Subject, long Count, string Reason, string Outcome, long RevokedGrants)
{
    /// <summary>The rule and its action, for responses: "rule 'probe' (revoke_task): task t-1 revoked (2 live grants)".</summary>
    public string Describe() => $"rule '{Rule.Name}' ({AnomalyResponder.ActionName(Rule.Action)}): {Outcome}";
}

/// <summary>An external detector's report (<c>AdminService.ReportAnomaly</c>).</summary>
public sealed record AnomalyReport(string Kind, string WorkloadId, string TaskId, string GrantId, string Detail)
{
    public const int KindMaxLength = 64;

    /// <summary>The first bad field, or null; nothing is counted or recorded for a bad report (invariant 8).</summary>
    public Refusal? Validate()
    {
        if (string.IsNullOrEmpty(Kind))
        {
            return Refusal.Invalid("kind", "required");
        }

        if (Kind.Length > KindMaxLength || !Kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.'))
        {
            return Refusal.Invalid("kind", $"lower-case letters, digits, '-', '_' or '.', at most {KindMaxLength} characters, e.g. prompt-injection-suspected");
        }

        if (string.IsNullOrEmpty(WorkloadId) && string.IsNullOrEmpty(TaskId) && string.IsNullOrEmpty(GrantId))
        {
            return Refusal.Invalid("workload_id", "name the workload, the task or the grant the anomaly concerns");
        }

        if (!string.IsNullOrEmpty(WorkloadId) && !Identity.SpiffeId.IsValid(WorkloadId))
        {
            return Refusal.Invalid("workload_id", "not a SPIFFE ID (spiffe://trust-domain/path)");
        }

        if (!string.IsNullOrEmpty(TaskId) && Validation.FieldChecks.TaskId(TaskId) is { } badTask)
        {
            return badTask;
        }

        if (!string.IsNullOrEmpty(GrantId) && !Grants.GrantIds.IsWellFormed(GrantId))
        {
            return Refusal.Invalid("grant_id", "not a grant id");
        }

        return Validation.FieldChecks.Text(Detail, "detail", Validation.InputLimits.ReasonMaxLength, required: false);
    }
}

/// <summary>What the broker did about a report.</summary>
public sealed record AnomalyReportResult(string Action, long RevokedGrants);
