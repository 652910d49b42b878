namespace CredBroker.Client;

/// <summary>What an agent asks for: tools for one task, with a purpose an auditor can read.</summary>
/// <param name="TaskId">The task this access is for: 1-128 characters of [A-Za-z0-9._:-].</param>
/// <param name="Purpose">Why the agent needs access, in words; 1-1024 characters.</param>
/// <param name="Tools">Tool names from the policy's catalogue; every one is granted or none.</param>
public sealed record GrantRequest(string TaskId, string Purpose, IReadOnlyList<string> Tools)
{
    /// <summary>Requested lifetime; null means the policy's default. The broker may shorten it.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Facts that policy conditions read (environment, data classification).</summary>
    public IReadOnlyDictionary<string, string>? Context { get; init; }
}
