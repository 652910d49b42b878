namespace CredBroker.Core.Audit;

/// <summary>Who is acting and in which request: set once per RPC by the server, read by <see cref="AuditLog"/>.</summary>
public sealed record AuditActor(string Caller, string RequestId);

/// <summary>
/// The actor of the current call, flowing with the async context, so every audited decision names
/// its caller and request id without each broker method taking them as parameters.
/// </summary>
public static class AuditContext
{
    /// <summary>The caller recorded for what the broker does on its own (maintenance, anomaly actions outside a call).</summary>
    public const string Broker = "broker";

    private static readonly AsyncLocal<AuditActor?> CurrentActor = new();

    public static AuditActor? Current => CurrentActor.Value;

    /// <summary>Makes <paramref name="actor"/> current until the returned scope is disposed.</summary>
    public static IDisposable Begin(AuditActor actor)
    {
        var previous = CurrentActor.Value;
        CurrentActor.Value = actor;
        return new Scope(previous);
    }

    private sealed class Scope(AuditActor? previous) : IDisposable
    {
        public void Dispose() => CurrentActor.Value = previous;
    }
}
