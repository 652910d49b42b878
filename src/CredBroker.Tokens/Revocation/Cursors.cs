using System.Globalization;

namespace CredBroker.Core.Revocation;

/// <summary>
/// Log cursors: a number, or "millis-sequence" (a Redis stream id). Both order by their numbers,
/// so broker and verifier compare them without knowing which store wrote them.
/// </summary>
internal static class Cursors
{
    public const string Start = "0";

    public static bool TryParse(string? cursor, out (long Major, long Minor) value)
    {
        value = default;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 48)
        {
            return string.IsNullOrEmpty(cursor);
        }

        var dash = cursor.IndexOf('-', StringComparison.Ordinal);
        var major = dash < 0 ? cursor : cursor[..dash];
        var minor = dash < 0 ? "0" : cursor[(dash + 1)..];
        if (!long.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var a) || !long.TryParse(minor, NumberStyles.None, CultureInfo.InvariantCulture, out var b))
        {
            return false;
        }

        value = (a, b);
        return true;
    }

    /// <summary>Orders two well-formed cursors; an empty cursor is the start.</summary>
    public static int Compare(string? left, string? right)
    {
        // A malformed cursor orders as the start: the safe side, it replays more, never less.
        _ = TryParse(left, out var a);
        _ = TryParse(right, out var b);
        return a.CompareTo(b);
    }
}
