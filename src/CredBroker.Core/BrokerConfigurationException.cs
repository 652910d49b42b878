namespace CredBroker.Core;

/// <summary>
/// Configuration (of the broker or of a dependency such as Redis) that stops the broker from starting.
/// Its message is one sentence a person can act on: it names the setting and what to change; the host
/// prints it alone, without a stack trace.
/// </summary>
public sealed class BrokerConfigurationException : InvalidOperationException
{
    public BrokerConfigurationException()
    {
    }

    public BrokerConfigurationException(string message)
        : base(message)
    {
    }

    public BrokerConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
