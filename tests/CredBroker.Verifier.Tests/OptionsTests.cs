using CredBroker.Verifier;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier.Tests;

/// <summary>Bad verifier settings stop the host at start, each error naming its setting.</summary>
public sealed class OptionsTests
{
    private static void Valid(CredBrokerVerifierOptions o)
    {
        o.BrokerAddress = new Uri("http://127.0.0.1:5080");
        o.Issuer = "http://127.0.0.1:5080";
        o.Audience = "https://tickets.test";
        o.IdentityToken = _ => ValueTask.FromResult("token");
    }

    private static OptionsValidationException? Failure(Action<CredBrokerVerifierOptions> configure)
    {
        var services = new ServiceCollection().AddLogging().AddCredBrokerVerifier(o =>
        {
            Valid(o);
            configure(o);
        });
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<CredBrokerVerifierOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException e)
        {
            return e;
        }
    }

    [Test]
    public void Valid_settings_pass_and_defaults_are_the_documented_ones()
    {
        var options = new CredBrokerVerifierOptions();

        Assert.That(Failure(_ => { }), Is.Null);
        Assert.That(options.MaxStaleness, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.ClockSkew, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(options.JwksMinRefreshInterval, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(options.WhenStale, Is.EqualTo(StaleBehavior.Reject));
        Assert.That(options.ValidatedTokenCacheSize, Is.EqualTo(10_000));
    }

    [TestCase(-1)]
    [TestCase(1_000_001)]
    public void A_validated_token_cache_size_out_of_range_is_refused(int size) =>
        Assert.That(Failure(o => o.ValidatedTokenCacheSize = size)?.Message, Does.Contain("ValidatedTokenCacheSize:"));

    [TestCase(0)]
    [TestCase(1_000_000)]
    public void A_validated_token_cache_size_from_off_to_a_million_is_accepted(int size) =>
        Assert.That(Failure(o => o.ValidatedTokenCacheSize = size), Is.Null);

    [TestCase("Audience")]
    [TestCase("Issuer")]
    [TestCase("BrokerAddress")]
    [TestCase("IdentityToken")]
    public void A_missing_required_setting_is_named(string setting)
    {
        var error = Failure(o =>
        {
            switch (setting)
            {
                case "Audience": o.Audience = null; break;
                case "Issuer": o.Issuer = " "; break;
                case "BrokerAddress": o.BrokerAddress = null; break;
                default: o.IdentityToken = null; break;
            }
        });

        Assert.That(error?.Message, Does.Contain(setting + ":"));
    }

    [Test]
    public void Skew_over_30_seconds_is_refused() =>
        Assert.That(Failure(o => o.ClockSkew = TimeSpan.FromSeconds(31))?.Message, Does.Contain("ClockSkew:"));

    [Test]
    public void A_staleness_bound_out_of_range_is_refused() =>
        Assert.That(Failure(o => o.MaxStaleness = TimeSpan.FromMinutes(10))?.Message, Does.Contain("MaxStaleness:"));

    [Test]
    public void A_JWKS_over_plain_http_off_this_machine_is_refused()
    {
        Assert.That(Failure(o => o.JwksUri = new Uri("http://broker.example/.well-known/jwks.json"))?.Message, Does.Contain("JwksUri:"));
        Assert.That(Failure(o => o.JwksUri = new Uri("http://[::1]:5081/.well-known/jwks.json")), Is.Null);
        Assert.That(Failure(o => o.JwksUri = new Uri("https://broker.example/.well-known/jwks.json")), Is.Null);
    }
}
