using Microsoft.Extensions.Options;

namespace CredBroker.Core.Grants;

/// <summary>
/// How many refused grant requests one identity may make before it is refused outright (section
/// <c>CredBroker:RefusalLimit</c>). Each refusal is on the audit record; this bounds how much of the
/// record one identity can fill.
/// </summary>
public sealed class RefusalLimitOptions
{
    public const string Section = "RefusalLimit";

    /// <summary>
    /// Refused requests (invalid input, policy deny, not found) one identity may make within
    /// <see cref="Window"/>; past it, its grant requests get RESOURCE_EXHAUSTED with a retry delay and
    /// are not recorded one by one. 0 turns the limit off. Default: 30.
    /// </summary>
    public int MaxRefusals { get; set; } = 30;

    /// <summary>The sliding window refusals are counted in, and how long the limit holds once reached. Default: 1 minute.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class RefusalLimitOptionsValidator : IValidateOptions<RefusalLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RefusalLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRefusals < 0)
        {
            return ValidateOptionsResult.Fail("CredBroker:RefusalLimit:MaxRefusals must be 0 (off) or more");
        }

        return options.Window < TimeSpan.FromSeconds(1) || options.Window > TimeSpan.FromHours(1)
            ? ValidateOptionsResult.Fail("CredBroker:RefusalLimit:Window must be between 1 second and 1 hour")
            : ValidateOptionsResult.Success;
    }
}
