using System.Diagnostics.CodeAnalysis;

namespace CredBroker.Core;

/// <summary>A value, or the refusal that stands in its place.</summary>
public sealed class BrokerResult<T>
{
    private BrokerResult(T? value, Refusal? refusal)
    {
        Value = value;
        Refusal = refusal;
    }

    public T? Value { get; }

    public Refusal? Refusal { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool Succeeded => Refusal is null;

#pragma warning disable CA1000 // A factory on the generic type reads best at the call site: BrokerResult<T>.Ok(value).
    public static BrokerResult<T> Ok(T value) => new(value, null);
#pragma warning restore CA1000

    public static implicit operator BrokerResult<T>(Refusal refusal) => new(default, refusal);
}
