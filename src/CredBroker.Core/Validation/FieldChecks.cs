using System.Globalization;
using System.Text;

namespace CredBroker.Core.Validation;

/// <summary>Checks shared by every request that carries these fields; each returns the refusal or null.</summary>
public static class FieldChecks
{
    public static Refusal? TaskId(string? value, string field = "task_id")
    {
        if (string.IsNullOrEmpty(value))
        {
            return Refusal.Invalid(field, "required");
        }

        if (value.Length > InputLimits.TaskIdMaxLength)
        {
            return Refusal.Invalid(field, $"{value.Length} characters, at most {InputLimits.TaskIdMaxLength}");
        }

        return value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-')
            ? null
            : Refusal.Invalid(field, "only letters, digits and . _ : - are allowed");
    }

    public static Refusal? Text(string? value, string field, int maxLength, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? Refusal.Invalid(field, "required") : null;
        }

        if (value.Length > maxLength)
        {
            return Refusal.Invalid(field, $"{value.Length} characters, at most {maxLength}");
        }

        return FirstHidden(value) is { } hidden
            ? Refusal.Invalid(field, $"character U+{hidden.Value:X4} is not allowed (control characters, invisible formatting such as bidirectional overrides, and line or paragraph separators are refused)")
            : null;
    }

    /// <summary>Approval ids are ours ("ap_" and base64url); anything else is refused before it is looked up, logged or echoed.</summary>
    public static Refusal? ApprovalId(string? value, string field = "approval_id")
    {
        if (string.IsNullOrEmpty(value) || value.Length > InputLimits.ApprovalIdMaxLength)
        {
            return Refusal.Invalid(field, $"required, at most {InputLimits.ApprovalIdMaxLength} characters");
        }

        return value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? null
            : Refusal.Invalid(field, "only letters, digits, '_' and '-' are allowed");
    }

    /// <summary>
    /// Input that failed a check, as it may appear in a message: printable ASCII as is, everything else
    /// as <c>\uXXXX</c>, at most 32 characters. A refusal never echoes raw what it refused.
    /// </summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var quoted = new StringBuilder();
        foreach (var c in value.Length <= 32 ? value : value[..32])
        {
            quoted.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}");
        }

        return value.Length <= 32 ? quoted.ToString() : quoted + "…";
    }

    /// <summary>
    /// The first character that shows differently from what it is: control characters (Cc) let a caller
    /// forge lines in logs and audit trails; format characters (Cf: U+202E RIGHT-TO-LEFT OVERRIDE, U+200B,
    /// U+2066..U+2069) reorder or hide text a person reads (the "Trojan Source" attack, CVE-2021-42574);
    /// U+2028 and U+2029 (Zl, Zp) break lines in JSON-lines readers and terminals. A lone surrogate reads
    /// as U+FFFD, which no honest text carries either.
    /// </summary>
    private static Rune? FirstHidden(string value)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || rune == Rune.ReplacementChar)
            {
                return rune;
            }
        }

        return null;
    }
}
