using System.Globalization;

namespace CredBroker.Core.Policy;

/// <summary>Durations as people write them in policy: <c>90s</c>, <c>15m</c>, <c>1h30m</c>, <c>2d</c>.</summary>
internal static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var total = TimeSpan.Zero;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && char.IsAsciiDigit(span[digits]))
            {
                digits++;
            }

            if (digits == 0 || digits == span.Length || digits > 9)
            {
                return false;
            }

            var number = long.Parse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture);
            var unitLength = span[digits..].StartsWith("ms") ? 2 : 1;
            TimeSpan part = span.Slice(digits, unitLength) switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                "h" => TimeSpan.FromHours(number),
                "d" => TimeSpan.FromDays(number),
                _ => TimeSpan.MinValue,
            };
            if (part == TimeSpan.MinValue)
            {
                return false;
            }

            total += part;
            span = span[(digits + unitLength)..];
        }

        value = total;
        return true;
    }

    public static string Format(TimeSpan value)
    {
        if (value.TotalSeconds < 1)
        {
            return $"{(long)value.TotalMilliseconds}ms";
        }

        var parts = new List<string>();
        if (value.Days > 0)
        {
            parts.Add($"{value.Days}d");
        }

        if (value.Hours > 0)
        {
            parts.Add($"{value.Hours}h");
        }

        if (value.Minutes > 0)
        {
            parts.Add($"{value.Minutes}m");
        }

        if (value.Seconds > 0)
        {
            parts.Add($"{value.Seconds}s");
        }

        return string.Concat(parts);
    }
}
