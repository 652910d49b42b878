using CredBroker.Core.Grants;
using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// The grant record as the scripts return it: task, workload, owner, purpose, tools, aud, iat, exp,
/// in that order (see <c>Scripts/*.lua</c>). Times are unix milliseconds.
/// </summary>
internal static class GrantFields
{
    /// <summary>How many record values a script returns before anything else it appends.</summary>
    public const int Count = 8;

    /// <summary>Tool names are dotted lower-case segments (<c>ToolNames</c>), never spaces, so one field holds the list.</summary>
    public static string JoinTools(IReadOnlyList<string> tools) => string.Join(' ', tools);

    public static string[] SplitTools(string tools) => tools.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static GrantRecord ToRecord(string grantId, RedisResult[] values, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(values.Length, offset + Count, nameof(values));
        return new GrantRecord(
            grantId,
            Text(values[offset]),
            Text(values[offset + 1]),
            Text(values[offset + 2]),
            Text(values[offset + 3]),
            SplitTools(Text(values[offset + 4])),
            Text(values[offset + 5]),
            Time(values[offset + 6]),
            Time(values[offset + 7]));
    }

    public static DateTimeOffset Time(RedisResult value) => DateTimeOffset.FromUnixTimeMilliseconds((long)value);

    public static DateTimeOffset? OptionalTime(RedisResult value) => value.IsNull ? null : Time(value);

    private static string Text(RedisResult value) => (string?)value ?? string.Empty;
}
