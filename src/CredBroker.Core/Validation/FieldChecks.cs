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

        // Control characters would let a caller forge lines in logs and audit trails.
        return value.Any(char.IsControl) ? Refusal.Invalid(field, "control characters are not allowed") : null;
    }
}
