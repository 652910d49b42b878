using Microsoft.Extensions.Options;

namespace CredBroker.Core.SigningKeys;

/// <summary>The one check of <see cref="SigningKeyOptions"/> (section <c>CredBroker:Keys</c>), run on start; each message names its key.</summary>
public sealed class SigningKeyOptionsValidator : IValidateOptions<SigningKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, SigningKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.KeyDirectory)
            ? ValidateOptionsResult.Fail($"CredBroker:Keys:{nameof(SigningKeyOptions.KeyDirectory)} is required")
            : ValidateOptionsResult.Success;
    }
}
