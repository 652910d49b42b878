using Microsoft.Extensions.Options;

namespace CredBroker.Redis;

/// <summary>The one check of <see cref="RedisStoreOptions"/>, run on start; each message names the key the broker binds.</summary>
public sealed class RedisStoreOptionsValidator : IValidateOptions<RedisStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (!RedisConnection.IsValidConfiguration(options.Configuration))
        {
            problems.Add("CredBroker:Redis must name a Redis endpoint, e.g. '127.0.0.1:6379'");
        }

        if (!RedisKeys.IsValidPrefix(options.KeyPrefix))
        {
            problems.Add("CredBroker:RedisKeyPrefix must not contain '{' or '}'");
        }

        if (options.Timeout < TimeSpan.FromMilliseconds(100) || options.Timeout > TimeSpan.FromMinutes(1))
        {
            problems.Add("CredBroker:RedisTimeout must be between 100 ms and 1 minute");
        }

        if (options.SafetyCheckInterval < TimeSpan.FromMilliseconds(100) || options.SafetyCheckInterval > TimeSpan.FromMinutes(1))
        {
            problems.Add("CredBroker:RedisSafetyCheckInterval must be between 100 ms and 1 minute");
        }

        if (options.MemoryWatermark is < 0.1 or > 0.99 or double.NaN)
        {
            problems.Add("CredBroker:RedisMemoryWatermark must be between 0.1 and 0.99");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
