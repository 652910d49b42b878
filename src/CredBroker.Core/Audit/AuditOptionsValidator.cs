using Microsoft.Extensions.Options;

namespace CredBroker.Core.Audit;

/// <summary>The one check of <see cref="AuditOptions"/> (section <c>CredBroker:Audit</c>), run on start; each message names its key.</summary>
public sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    private const string At = "CredBroker:" + AuditOptions.Section;

    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.MemoryMaxEvents < 1)
        {
            problems.Add($"{At}:{nameof(AuditOptions.MemoryMaxEvents)} must be at least 1");
        }

        if (options.CheckpointInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"{At}:{nameof(AuditOptions.CheckpointInterval)} must be at least 1 second");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
