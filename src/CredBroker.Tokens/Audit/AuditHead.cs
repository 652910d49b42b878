namespace CredBroker.Core.Audit;

/// <summary>A chain's newest position and hash; seq 0 and the genesis hash for an empty chain.</summary>
public sealed record AuditHead(long Seq, string Hash)
{
    public override string ToString() => $"{Seq}:{Hash}";
}
