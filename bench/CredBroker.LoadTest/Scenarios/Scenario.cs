using CredBroker.LoadTest.Engines;
using Google.Protobuf;

namespace CredBroker.LoadTest.Scenarios;

/// <summary>One request h2load can repeat: the gRPC method path, the protobuf message, and the caller's identity token.</summary>
public sealed record FixedRequest(string Path, IMessage Message, string? BearerToken);

/// <summary>A load scenario: how one .NET worker loops, and, where the request never changes, the request h2load repeats.</summary>
public abstract class Scenario(string name)
{
    public string Name { get; } = name;

    /// <summary>The request h2load repeats; null when each call differs (then only the .NET engine can run it).</summary>
    public virtual FixedRequest? Fixed => null;

    /// <summary>One step of worker <paramref name="worker"/>'s loop: one or more timed calls.</summary>
    public abstract Task StepAsync(int worker, CallRecorder recorder, CancellationToken cancellationToken);
}
