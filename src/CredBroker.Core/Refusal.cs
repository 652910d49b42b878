namespace CredBroker.Core;

/// <summary>Why the broker said no. Core returns refusals as values; the server maps each kind to one gRPC status.</summary>
public enum RefusalKind
{
    /// <summary>Input is malformed or out of bounds; <see cref="Refusal.Field"/> names the field.</summary>
    InvalidArgument,
    /// <summary>Policy said no; the message names the rule.</summary>
    PermissionDenied,
    /// <summary>The task is revoked, the kill switch is engaged, or the workload is quarantined.</summary>
    FailedPrecondition,
    NotFound,
    /// <summary>A rate or quota was hit; <see cref="Refusal.RetryAfter"/> says when to try again.</summary>
    ResourceExhausted,
    /// <summary>The store could not record or check the decision: fail closed.</summary>
    Unavailable,
}

/// <summary>A refusal a person can act on.</summary>
public sealed record Refusal(RefusalKind Kind, string Message, string? Field = null, TimeSpan? RetryAfter = null)
{
    /// <summary>
    /// What the audit record says in place of <see cref="Message"/> when the caller must not learn it
    /// (e.g. who owns a task that is not theirs); null: the message is the whole story.
    /// </summary>
    public string? AuditDetail { get; init; }

    public static Refusal Invalid(string field, string problem) => new(RefusalKind.InvalidArgument, $"{field}: {problem}", field);

    public static Refusal Denied(string message) => new(RefusalKind.PermissionDenied, message);

    public static Refusal Precondition(string message) => new(RefusalKind.FailedPrecondition, message);

    public static Refusal NotFound(string message) => new(RefusalKind.NotFound, message);

    public static Refusal StoreUnavailable(string what) => new(RefusalKind.Unavailable, what);
}
