namespace CredBroker.Cli;

/// <summary>A mistake on the command line found after parsing (conflicting flags, a bad address); exit code 2.</summary>
public sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
