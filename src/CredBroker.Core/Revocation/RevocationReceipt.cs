namespace CredBroker.Core.Revocation;

/// <summary>A rule as written, and whether the store could promise it survives a crash.</summary>
/// <param name="DurabilityNotConfirmed">Null when the store confirmed the write durable; otherwise why not, for the operator.</param>
public sealed record RevocationReceipt(RevocationRule Rule, string? DurabilityNotConfirmed = null);
