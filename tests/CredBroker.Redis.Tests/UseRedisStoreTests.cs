using CredBroker.Core.DependencyInjection;
using CredBroker.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;
using NUnit.Framework;
using StackExchange.Redis;

namespace CredBroker.Redis.Tests;

/// <summary>The DI entry point: what <c>AddCredBroker().UseRedisStore(...)</c> registers and what it refuses on start.</summary>
[TestFixture]
public sealed class UseRedisStoreTests
{
    [Test]
    public void UseRedisStore_replaces_the_in_memory_store_and_registers_one_multiplexer()
    {
        var services = new ServiceCollection();

        services.AddCredBroker().UseRedisStore(o => o.Configuration = "127.0.0.1:6379");

        var stores = services.Where(d => d.ServiceType == typeof(IBrokerStore)).ToList();
        Assert.That(stores, Has.Count.EqualTo(1));
        Assert.That(stores[0].ImplementationType, Is.Not.EqualTo(typeof(InMemoryBrokerStore)));
        Assert.That(services.Count(d => d.ServiceType == typeof(RedisBrokerStore) && d.Lifetime == ServiceLifetime.Singleton), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IConnectionMultiplexer) && d.Lifetime == ServiceLifetime.Singleton), Is.EqualTo(1));
    }

    [Test]
    public void UseRedisStore_keeps_a_multiplexer_the_host_registered_already()
    {
        var services = new ServiceCollection();
        var existing = new Mock<IConnectionMultiplexer>().Object;
        services.AddSingleton(existing);

        services.AddCredBroker().UseRedisStore(o => o.Configuration = "127.0.0.1:6379");

        Assert.That(services.Where(d => d.ServiceType == typeof(IConnectionMultiplexer)).Select(d => d.ImplementationInstance), Is.EqualTo(new[] { existing }));
    }

    [Test]
    public void Valid_options_pass()
    {
        var options = Build(o =>
        {
            o.Configuration = "127.0.0.1:6390,password=secret";
            o.KeyPrefix = "broker:";
        });

        Assert.That((options.Configuration, options.KeyPrefix, options.Timeout), Is.EqualTo(("127.0.0.1:6390,password=secret", "broker:", TimeSpan.FromSeconds(2))));
    }

    [TestCase("", "CredBroker:Redis must name")]
    [TestCase("abortConnect=false", "CredBroker:Redis must name")]
    public void Options_without_an_endpoint_are_refused_naming_the_setting(string configuration, string setting)
    {
        Assert.That(() => Build(o => o.Configuration = configuration), Throws.TypeOf<OptionsValidationException>().With.Message.Contains(setting));
    }

    [Test]
    public void Key_prefix_with_a_brace_is_refused_naming_the_setting()
    {
        Assert.That(
            () => Build(o => { o.Configuration = "127.0.0.1:6379"; o.KeyPrefix = "{tenant}:"; }),
            Throws.TypeOf<OptionsValidationException>().With.Message.Contains("CredBroker:RedisKeyPrefix"));
    }

    [Test]
    public void Timeout_out_of_range_is_refused_naming_the_setting()
    {
        Assert.That(
            () => Build(o => { o.Configuration = "127.0.0.1:6379"; o.Timeout = TimeSpan.Zero; }),
            Throws.TypeOf<OptionsValidationException>().With.Message.Contains("CredBroker:RedisTimeout"));
    }

    /// <summary>Runs the registered configure and validate steps, as the options system does on start.</summary>
    private static RedisStoreOptions Build(Action<RedisStoreOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddCredBroker().UseRedisStore(configure);
        var setups = services.Where(d => d.ServiceType == typeof(IConfigureOptions<RedisStoreOptions>)).Select(d => (IConfigureOptions<RedisStoreOptions>)d.ImplementationInstance!);
        var validations = services.Where(d => d.ServiceType == typeof(IValidateOptions<RedisStoreOptions>)).Select(d => (IValidateOptions<RedisStoreOptions>)d.ImplementationInstance!);
        return new OptionsFactory<RedisStoreOptions>(setups, [], validations).Create(Options.DefaultName);
    }
}
