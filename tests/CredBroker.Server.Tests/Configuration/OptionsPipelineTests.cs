using CredBroker.Core;
using CredBroker.Core.Audit;
using CredBroker.Core.Grants;
using CredBroker.Core.Identity;
using CredBroker.Core.SigningKeys;
using CredBroker.Core.Storage;
using CredBroker.Redis;
using CredBroker.Server.Configuration;
using CredBroker.Testing.Broker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Tests.Configuration;

/// <summary>
/// One way to check a setting: every options type the broker binds from configuration has exactly one
/// <see cref="IValidateOptions{TOptions}"/> of its own (no inline <c>.Validate(lambda)</c> beside it), as OpenIddict
/// has one configuration validator per options type. A second rule for the same type goes into that validator.
/// </summary>
public sealed class OptionsPipelineTests
{
    private static readonly Type[] Bound =
    [
        typeof(BrokerOptions), typeof(ServerOptions), typeof(SigningKeyOptions), typeof(StoreOptions), typeof(AuditOptions),
        typeof(ConnectionLimitOptions), typeof(RefusalLimitOptions), typeof(IdentityOptions), typeof(TlsOptions), typeof(RedisStoreOptions),
    ];

    [Test]
    public async Task Every_bound_options_type_has_exactly_one_validator_class()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-options-").FullName;
        try
        {
            var policy = Path.Combine(directory, "policy.yaml");
            await File.WriteAllTextAsync(policy, TestPolicy.Yaml);
            await using var app = BrokerHost.Build(
            [
                "--environment", "Production", "--urls", "http://127.0.0.1:0",
                "--CredBroker:PolicyFile=" + policy, "--CredBroker:Keys:KeyDirectory=" + Path.Combine(directory, "keys"),
                "--CredBroker:DevIdentities=true", "--CredBroker:Store=redis", "--CredBroker:Redis=127.0.0.1:1",
            ]);

            var found = Bound.ToDictionary(t => t, t => ((IEnumerable<object>)app.Services.GetRequiredService(typeof(IEnumerable<>).MakeGenericType(typeof(IValidateOptions<>).MakeGenericType(t)))).Select(v => v.GetType()).ToList());

            Assert.Multiple(() =>
            {
                foreach (var (type, validators) in found)
                {
                    Assert.That(validators.Select(v => v.Name), Is.EqualTo(new[] { type.Name + "Validator" }), type.Name);
                }
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
