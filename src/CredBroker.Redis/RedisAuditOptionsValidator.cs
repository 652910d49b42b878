using Microsoft.Extensions.Options;

namespace CredBroker.Redis;

/// <summary>The one check of <see cref="RedisAuditOptions"/> (section <c>CredBroker:Audit</c>), run on start when the Redis store is used; each message names its key.</summary>
public sealed class RedisAuditOptionsValidator : IValidateOptions<RedisAuditOptions>
{
    private const string At = "CredBroker:Audit";

    public ValidateOptionsResult Validate(string? name, RedisAuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.RedisMaxLength < 1000)
        {
            problems.Add($"{At}:{nameof(RedisAuditOptions.RedisMaxLength)} must be at least 1000");
        }

        if (options.RedisRetention < TimeSpan.FromHours(1))
        {
            problems.Add($"{At}:{nameof(RedisAuditOptions.RedisRetention)} must be at least 1 hour");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
