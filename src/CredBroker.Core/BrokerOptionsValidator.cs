using Microsoft.Extensions.Options;

namespace CredBroker.Core;

/// <summary>The one check of <see cref="BrokerOptions"/> (section <c>CredBroker</c>), run on start; each message names its key.</summary>
public sealed class BrokerOptionsValidator : IValidateOptions<BrokerOptions>
{
    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (!Uri.TryCreate(options.Issuer, UriKind.Absolute, out _))
        {
            problems.Add($"{BrokerOptions.Section}:{nameof(BrokerOptions.Issuer)} must be an absolute URL");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromSeconds(30))
        {
            problems.Add($"{BrokerOptions.Section}:{nameof(BrokerOptions.ClockSkew)} must be between 0 and 30 seconds");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
