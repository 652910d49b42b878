namespace CredBroker.Core.Policy;

/// <summary>A policy file that cannot be used; every problem names its line.</summary>
public sealed class PolicyLoadException : Exception
{
    public PolicyLoadException()
        : this([])
    {
    }

    public PolicyLoadException(string message)
        : this([message])
    {
    }

    public PolicyLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public PolicyLoadException(IReadOnlyList<string> problems)
        : base(problems.Count == 0 ? "invalid policy" : "invalid policy: " + string.Join("; ", problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
