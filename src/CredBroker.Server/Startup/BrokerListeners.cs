namespace CredBroker.Server.Startup;

/// <summary>The addresses the broker's host listens on (none when <c>Kestrel:Endpoints</c> names them itself).</summary>
public sealed record BrokerListeners(IReadOnlyList<Uri> Addresses);
