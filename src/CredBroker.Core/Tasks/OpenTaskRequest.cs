namespace CredBroker.Core.Tasks;

/// <summary>An orchestrator's request to fence a task.</summary>
public sealed record OpenTaskRequest(string TaskId, string WorkloadId, string Purpose, string Owner, IReadOnlyList<string> Tools, TimeSpan? MaxDuration);
