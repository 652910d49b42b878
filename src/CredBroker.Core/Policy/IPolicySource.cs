namespace CredBroker.Core.Policy;

/// <summary>Hands out the policy in force; a reload swaps it for the next request.</summary>
public interface IPolicySource
{
    BrokerPolicy Current { get; }
}
