namespace CredBroker.Core.Audit;

/// <summary>A chain's newest position and hash; seq 0 and the genesis hash for an empty chain.</summary>
/// <param name="Seq">The newest event's position, from 1; 0 for an empty chain.</param>
/// <param name="Hash">That event's hash (lowercase hex SHA-256); the genesis hash for an empty chain.</param>
public sealed record AuditHead(long Seq, string Hash)
{
    /// <summary><c>SEQ:HASH</c>, the form the CLI prints and <c>--expect-head</c> takes.</summary>
    public override string ToString() => $"{Seq}:{Hash}";
}
