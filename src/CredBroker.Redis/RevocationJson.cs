using System.Globalization;
using System.Text.Json;
using CredBroker.Core.Revocation;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>Reads rules as the scripts write them: times in unix ms, "" for "none".</summary>
internal static class RevocationJson
{
    public static RevocationEntry Entry(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string Field(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
        return new RevocationEntry(Field("c"), Rule(Field("k"), Field("s"), Field("r"), Field("l"), Field("e"), Field("why"), Field("by")));
    }

    public static RevocationEntry Entry(StreamEntry entry)
    {
        string Field(string name) => (string?)entry[name] ?? string.Empty;
        return new RevocationEntry(entry.Id!, Rule(Field("k"), Field("s"), Field("r"), Field("l"), Field("e"), Field("why"), Field("by")));
    }

    private static RevocationRule Rule(string kind, string subject, string revoked, string lifted, string expires, string reason, string by) =>
        new(Enum.Parse<RevocationKind>(kind), subject, Time(revoked)!.Value, Time(lifted), reason, Time(expires), by);

    private static DateTimeOffset? Time(string millis) =>
        string.IsNullOrEmpty(millis) ? null : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(millis, NumberStyles.Integer, CultureInfo.InvariantCulture));
}
