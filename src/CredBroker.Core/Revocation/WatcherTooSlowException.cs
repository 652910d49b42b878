namespace CredBroker.Core.Revocation;

/// <summary>A watcher fell too far behind the feed to be caught up from memory; it should reconnect with its last cursor.</summary>
public sealed class WatcherTooSlowException : Exception
{
    public WatcherTooSlowException()
        : base("watcher fell too far behind; reconnect with the last cursor")
    {
    }

    public WatcherTooSlowException(string message)
        : base(message)
    {
    }

    public WatcherTooSlowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
