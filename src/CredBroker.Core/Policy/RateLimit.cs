using System.Globalization;

namespace CredBroker.Core.Policy;

/// <summary>At most <see cref="Count"/> grants in any sliding <see cref="Window"/>; written <c>30/m</c>, <c>5/s</c>, <c>100/h</c>, <c>10/90s</c>.</summary>
public sealed record RateLimit(int Count, TimeSpan Window)
{
    public static bool TryParse(string? text, out RateLimit? limit)
    {
        limit = null;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0)
        {
            return false;
        }

        if (!int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            return false;
        }

        var unit = text[(slash + 1)..];
        var window = unit switch
        {
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            "d" => TimeSpan.FromDays(1),
            _ => DurationText.TryParse(unit, out var span) ? span : TimeSpan.Zero,
        };
        if (window < TimeSpan.FromSeconds(1) || window > TimeSpan.FromDays(1))
        {
            return false;
        }

        limit = new RateLimit(count, window);
        return true;
    }

    public override string ToString() => $"{Count}/{DurationText.Format(Window)}";
}
