using CredBroker.Core.Policy;

namespace CredBroker.Server.Configuration;

/// <summary>The policy read from the configured file at start. A file that does not load stops the broker from starting.</summary>
public sealed class PolicyFileSource(string path) : IPolicySource
{
    public string Path { get; } = path;

    public BrokerPolicy Current { get; } = PolicyLoader.LoadFile(path);
}
