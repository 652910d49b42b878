using CredBroker.Core.Revocation;

namespace CredBroker.Redis;

/// <summary>
/// The latest revocation-log id this process wrote or read. A Redis whose log ends before it went back
/// in time (restarted from an older AOF or RDB copy) and forgot revocations this broker acknowledged.
/// </summary>
public sealed class RevocationHighWater
{
    private readonly Lock gate = new();
    private string? highest;

    public string? Value
    {
        get
        {
            lock (gate)
            {
                return highest;
            }
        }
    }

    public void Saw(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor) || cursor == Cursors.Start)
        {
            return;
        }

        lock (gate)
        {
            if (highest is null || Cursors.Compare(cursor, highest) > 0)
            {
                highest = cursor;
            }
        }
    }
}
