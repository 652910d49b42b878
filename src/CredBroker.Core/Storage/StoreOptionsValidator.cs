using Microsoft.Extensions.Options;

namespace CredBroker.Core.Storage;

/// <summary>The one check of <see cref="StoreOptions"/> (section <c>CredBroker:Storage</c>), run on start; each message names its key.</summary>
public sealed class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    private const string At = "CredBroker:Storage";

    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.RevokedTaskRetention < TimeSpan.FromHours(1))
        {
            problems.Add($"{At}:{nameof(StoreOptions.RevokedTaskRetention)} must be at least 1 hour");
        }

        if (options.MemoryMaxLiveGrants < 1)
        {
            problems.Add($"{At}:{nameof(StoreOptions.MemoryMaxLiveGrants)} must be at least 1");
        }

        if (options.GrantTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add($"{At}:{nameof(StoreOptions.GrantTimeout)} must be positive");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
