namespace CredBroker.Core.Storage;

/// <summary>
/// The store could not be reached or did not answer in time. Callers fail closed: no token is
/// issued and no revocation is reported done unless the store acknowledged it (invariant 1).
/// </summary>
public sealed class BrokerStoreUnavailableException : Exception
{
    public BrokerStoreUnavailableException()
        : base("the broker store is unavailable")
    {
    }

    public BrokerStoreUnavailableException(string message)
        : base(message)
    {
    }

    public BrokerStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
