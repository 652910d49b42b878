using System.Globalization;

namespace CredBroker.Cli;

/// <summary>
/// Durations as people type them: <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1h30m</c>, <c>2d</c>. Written here
/// rather than borrowed from Core so the CLI depends on the client alone.
/// </summary>
public static class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var rest = (text ?? string.Empty).Trim();
        if (rest.Length == 0)
        {
            return false;
        }

        while (rest.Length > 0)
        {
            var digits = 0;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            // Nine digits at most keeps every product below TimeSpan's range.
            if (digits is 0 or > 9 || digits == rest.Length)
            {
                return false;
            }

            var number = long.Parse(rest.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture);
            TimeSpan? part = rest[digits] switch
            {
                's' => TimeSpan.FromSeconds(number),
                'm' => TimeSpan.FromMinutes(number),
                'h' => TimeSpan.FromHours(number),
                'd' => TimeSpan.FromDays(number),
                _ => null,
            };
            if (part is null)
            {
                return false;
            }

            value += part.Value;
            rest = rest[(digits + 1)..];
        }

        return true;
    }

    /// <summary>The short form people read: <c>4m59s</c>, <c>1h</c>; whole seconds.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.FromSeconds(1))
        {
            return "0s";
        }

        var text = string.Empty;
        if (value.Days > 0)
        {
            text += $"{value.Days}d";
        }

        if (value.Hours > 0)
        {
            text += $"{value.Hours}h";
        }

        if (value.Minutes > 0)
        {
            text += $"{value.Minutes}m";
        }

        if (value.Seconds > 0)
        {
            text += $"{value.Seconds}s";
        }

        return text;
    }
}
