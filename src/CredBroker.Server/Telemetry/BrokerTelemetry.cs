using System.Diagnostics;

namespace CredBroker.Server.Telemetry;

/// <summary>The broker's trace source: one server activity per RPC.</summary>
public static class BrokerTelemetry
{
    public const string Name = "CredBroker";

    public static readonly ActivitySource Source = new(Name);
}
