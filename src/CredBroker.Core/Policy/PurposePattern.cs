namespace CredBroker.Core.Policy;

/// <summary>
/// A purpose a workload may state: literal text where <c>*</c> stands for any run of characters
/// (<c>triage ticket *</c>). Matching is ordinal and whole-string, so a pattern never matches a
/// purpose that merely contains it.
/// </summary>
public sealed record PurposePattern(string Text)
{
    public bool Matches(string purpose)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        var parts = Text.Split('*');
        if (parts.Length == 1)
        {
            return string.Equals(Text, purpose, StringComparison.Ordinal);
        }

        if (!purpose.StartsWith(parts[0], StringComparison.Ordinal))
        {
            return false;
        }

        var at = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = purpose.IndexOf(parts[i], at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            at = found + parts[i].Length;
        }

        var last = parts[^1];
        return purpose.Length - at >= last.Length && purpose.EndsWith(last, StringComparison.Ordinal);
    }

    public override string ToString() => Text;
}
