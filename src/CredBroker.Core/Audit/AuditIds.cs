using System.Security.Cryptography;

namespace CredBroker.Core.Audit;

/// <summary>Event ids: 96 random bits, so replicas never collide without coordinating.</summary>
public static class AuditIds
{
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        return "ev_" + Base64Url.Encode(bytes);
    }
}
