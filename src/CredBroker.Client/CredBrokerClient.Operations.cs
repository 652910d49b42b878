using CredBroker.Client.Internal;
using CredBroker.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace CredBroker.Client;

/// <summary>What orchestrators and operators do: fence tasks, revoke workloads and tools, work the kill switch.</summary>
public sealed partial class CredBrokerClient
{
    /// <summary>Opens (fences) a task for one workload. Role: orchestrator.</summary>
    public async Task<TaskDetails> OpenTaskAsync(TaskEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var request = new OpenTaskRequest
        {
            TaskId = envelope.TaskId,
            WorkloadId = envelope.WorkloadId,
            Purpose = envelope.Purpose,
            Owner = envelope.Owner,
            Tools = { envelope.Tools },
        };
        if (envelope.MaxDuration is { } duration)
        {
            request.MaxDuration = Duration.FromTimeSpan(duration);
        }

        var response = await CallAsync(options => stubs.Tasks.OpenTaskAsync(request, options), cancellationToken).ConfigureAwait(false);
        return ToDetails(response);
    }

    /// <summary>A task's envelope and state. Role: orchestrator or operator.</summary>
    public async Task<TaskDetails> GetTaskAsync(string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        var response = await CallAsync(options => stubs.Tasks.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, options), cancellationToken).ConfigureAwait(false);
        return ToDetails(response);
    }

    /// <summary>Revokes every token of a workload; with a quarantine, also refuses its new grants for that long. Role: operator.</summary>
    public async Task<RevocationResult> RevokeWorkloadAsync(string workloadId, TimeSpan? quarantine = null, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workloadId);
        var request = new RevokeWorkloadRequest { WorkloadId = workloadId, Reason = reason ?? string.Empty };
        if (quarantine is { } span)
        {
            request.Quarantine = Duration.FromTimeSpan(span);
        }

        var response = await CallAsync(options => stubs.Admin.RevokeWorkloadAsync(request, options), cancellationToken).ConfigureAwait(false);
        cache.Clear();
        return new RevocationResult(response.RevokedGrants, Mapping.Time(response.RevokedAt) ?? DateTimeOffset.MinValue, NullIfEmpty(response.DurabilityNotConfirmed));
    }

    /// <summary>
    /// Revokes every token that carries a tool (the tool is compromised) and refuses its new grants for
    /// <paramref name="duration"/>, or until <see cref="ReleaseToolAsync"/> when null. Role: operator.
    /// </summary>
    public async Task<RevocationResult> RevokeToolAsync(string tool, TimeSpan? duration = null, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var request = new RevokeToolRequest { Tool = tool, Reason = reason ?? string.Empty };
        if (duration is { } span)
        {
            request.Duration = Duration.FromTimeSpan(span);
        }

        var response = await CallAsync(options => stubs.Admin.RevokeToolAsync(request, options), cancellationToken).ConfigureAwait(false);
        cache.Clear();
        return new RevocationResult(response.RevokedGrants, Mapping.Time(response.RevokedAt) ?? DateTimeOffset.MinValue, NullIfEmpty(response.DurabilityNotConfirmed)) { LiftedAt = Mapping.Time(response.LiftedAt) };
    }

    /// <summary>Lifts a standing tool revocation; returns when, or null when none stood. Tokens issued before stay dead. Role: operator.</summary>
    public async Task<DateTimeOffset?> ReleaseToolAsync(string tool, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var response = await CallAsync(
            options => stubs.Admin.ReleaseToolAsync(new ReleaseToolRequest { Tool = tool, Reason = reason ?? string.Empty }, options),
            cancellationToken).ConfigureAwait(false);
        return response.Released ? Mapping.Time(response.ReleasedAt) : null;
    }

    /// <summary>Kills every token and refuses every grant until released. Role: operator.</summary>
    public async Task<KillSwitchStatus> EngageKillSwitchAsync(string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var response = await CallAsync(
            options => stubs.Admin.EngageKillSwitchAsync(new KillSwitchRequest { Reason = reason }, options),
            cancellationToken).ConfigureAwait(false);
        cache.Clear();
        return ToStatus(response);
    }

    /// <summary>Lets grants be issued again; tokens issued while it was engaged stay dead. Role: operator.</summary>
    public async Task<KillSwitchStatus> ReleaseKillSwitchAsync(string? reason = null, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(
            options => stubs.Admin.ReleaseKillSwitchAsync(new KillSwitchRequest { Reason = reason ?? string.Empty }, options),
            cancellationToken).ConfigureAwait(false);
        return ToStatus(response);
    }

    /// <summary>Whether the kill switch is engaged. Role: operator.</summary>
    public async Task<KillSwitchStatus> GetKillSwitchAsync(CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(options => stubs.Admin.GetKillSwitchAsync(new GetKillSwitchRequest(), options), cancellationToken).ConfigureAwait(false);
        return ToStatus(response);
    }

    private static TaskDetails ToDetails(TaskInfo t) => new(
        t.TaskId,
        t.WorkloadId,
        t.Purpose,
        t.Owner,
        [.. t.Tools],
        Mapping.Time(t.OpenedAt),
        Mapping.Time(t.Deadline),
        t.State switch
        {
            TaskState.Open => "open",
            TaskState.Revoked => "revoked",
            TaskState.Expired => "expired",
            _ => "unknown",
        },
        Mapping.Time(t.RevokedAt),
        t.LiveGrants);

    private static KillSwitchStatus ToStatus(KillSwitchState s) => new(
        s.Engaged,
        Mapping.Time(s.EngagedAt),
        string.IsNullOrEmpty(s.EngagedBy) ? null : s.EngagedBy,
        string.IsNullOrEmpty(s.Reason) ? null : s.Reason,
        Mapping.Time(s.ReleasedAt),
        NullIfEmpty(s.DurabilityNotConfirmed));

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
