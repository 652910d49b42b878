namespace CredBroker.Core.Policy;

/// <summary>Tool names are dotted lower-case segments: <c>github.issues.read</c>.</summary>
public static class ToolNames
{
    public const int MaxLength = 128;

    public static bool IsWellFormed(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name[0] == '.' || name[^1] == '.' || name.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        return name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');
    }
}
