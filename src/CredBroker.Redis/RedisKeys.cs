using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// The only place Redis key names are built. Every key of one task carries the hash tag
/// <c>{t:&lt;task&gt;}</c>, so the task's scripts touch a single slot. The grant insert alone also reads
/// the standing rules (<see cref="RevocationTag"/>) and counts the workload's caps (<see cref="WorkloadTag"/>)
/// in the same script, so a refused grant writes nothing; it needs those slots on one server (not Redis
/// Cluster). Only the grant index and the live-task index live elsewhere.
/// Each method takes the key prefix of <see cref="RedisStoreOptions.KeyPrefix"/>.
/// </summary>
public static class RedisKeys
{
    /// <summary>The hash tag shared by every key of the task.</summary>
    public static string TaskTag(string taskId) => "{t:" + taskId + "}";

    /// <summary>
    /// Hash: the task's grant records, one field per grant: <c>&lt;grant id&gt;</c> holds "iat exp tool tool ..."
    /// (unix seconds); <c>&lt;grant id&gt;:x</c> the grant's owner, purpose and audience as JSON when they differ
    /// from the task's; <c>&lt;grant id&gt;:r</c> "revoked_at_ms reason". Expires with the task's latest grant.
    /// </summary>
    public static RedisKey GrantRecords(string prefix, string taskId) => prefix + TaskTag(taskId) + ":gr";

    /// <summary>Sorted set: the task's grant ids that are not individually revoked, scored by <c>exp</c> in unix ms.</summary>
    public static RedisKey TaskGrants(string prefix, string taskId) => prefix + TaskTag(taskId) + ":grants";

    /// <summary>Sorted set: the task's individually revoked grant ids, scored by <c>exp</c>, so their records are forgotten then.</summary>
    public static RedisKey RevokedGrants(string prefix, string taskId) => prefix + TaskTag(taskId) + ":gone";

    /// <summary>Hash <c>at</c> (unix ms), <c>reason</c>: present while the task revocation must be remembered.</summary>
    public static RedisKey TaskRevoked(string prefix, string taskId) => prefix + TaskTag(taskId) + ":revoked";

    /// <summary>Hash: the task's fence (workload, owner, purpose, tools, opened, opened_at, deadline), by OpenTask or first use, and the audience of its first grant.</summary>
    public static RedisKey Task(string prefix, string taskId) => prefix + TaskTag(taskId) + ":task";

    /// <summary>String: the task id of a grant, so a grant can be found by its id alone. Lives in its own slot.</summary>
    public static RedisKey GrantIndex(string prefix, string grantId) => prefix + "gi:" + grantId;

    /// <summary>
    /// Sorted set: task ids that may hold live grants, scored by an upper bound of their latest grant's
    /// <c>exp</c> (unix ms), for ListGrants. Its own slot; entries past their score are dropped as it is read.
    /// </summary>
    public static RedisKey LiveTasks(string prefix) => prefix + "tasks:live";

    /// <summary>Hash: an approval (fields in <c>Scripts/change-approval.lua</c>), in its own slot, kept an hour past its expiry.</summary>
    public static RedisKey Approval(string prefix, string approvalId) => prefix + "{a:" + approvalId + "}:approval";

    /// <summary>Sorted set: pending approval ids scored by expiry (unix ms), for ListApprovals; decided and expired ones are dropped.</summary>
    public static RedisKey PendingApprovals(string prefix) => prefix + "approvals:pending";

    /// <summary>The hash tag shared by a workload's quota counters, so one script checks both on one slot.</summary>
    public static string WorkloadTag(string workloadId) => "{w:" + workloadId + "}";

    /// <summary>Sorted set: grant ids issued to the workload scored by issue time (ms), its rate-limit window.</summary>
    public static RedisKey WorkloadRate(string prefix, string workloadId) => prefix + WorkloadTag(workloadId) + ":rate";

    /// <summary>Sorted set: the workload's grant ids that may be live, scored by the latest they can expire (ms).</summary>
    public static RedisKey WorkloadLive(string prefix, string workloadId) => prefix + WorkloadTag(workloadId) + ":live";

    /// <summary>A brace in the prefix would move the hash tag off the task and split a task's keys across slots.</summary>
    public static bool IsValidPrefix(string? prefix) => prefix is null || prefix.AsSpan().IndexOfAny('{', '}') < 0;

    /// <summary>Hash tag of the revocation log's keys: one slot, so each rule write is one atomic script.</summary>
    public const string RevocationTag = "{rv}";

    /// <summary>Stream: every rule event in order; the entry id is the verifiers' cursor.</summary>
    public static RedisKey RevocationLog(string prefix) => prefix + RevocationTag + ":log";

    /// <summary>Hash: field "Kind:subject" to the JSON of the standing workload, tool and kill-switch rules.</summary>
    public static RedisKey RevocationState(string prefix) => prefix + RevocationTag + ":state";

    /// <summary>String: the dataset generation. Its absence means a wiped or replaced dataset (invariant 3).</summary>
    public static RedisKey Generation(string prefix) => prefix + RevocationTag + ":gen";

    /// <summary>Pub/sub channel that tells replicas a rule was appended.</summary>
    public static RedisChannel RevocationNotify(string prefix) => RedisChannel.Literal(prefix + RevocationTag + ":notify");

    /// <summary>Hash tag of the audit log's keys: the chain head and the stream change in one script.</summary>
    public const string AuditTag = "{au}";

    /// <summary>Stream: the audit events in chain order, field <c>e</c> holding the canonical JSON.</summary>
    public static RedisKey AuditLog(string prefix) => prefix + AuditTag + ":log";

    /// <summary>Sorted set: one anomaly rule's events for one subject, scored by time (unix ms); expires with the window.</summary>
    public static RedisKey AnomalyCounter(string prefix, string ruleAndSubject) => prefix + "{an}:" + ruleAndSubject;

    /// <summary>Hash <c>seq</c>, <c>hash</c>: the chain's last event, what the next one must follow.</summary>
    public static RedisKey AuditHead(string prefix) => prefix + AuditTag + ":head";
}
