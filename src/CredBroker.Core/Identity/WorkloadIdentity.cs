namespace CredBroker.Core.Identity;

/// <summary>An authenticated caller: its SPIFFE ID, who vouched for it, and until when.</summary>
public sealed record WorkloadIdentity(string Id, string Issuer, DateTimeOffset ExpiresAt);
