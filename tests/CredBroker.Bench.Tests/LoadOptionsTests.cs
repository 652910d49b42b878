using CredBroker.LoadTest;
using CredBroker.LoadTest.Engines;
using CredBroker.Protocol.V1;
using Google.Protobuf;

namespace CredBroker.Bench.Tests;

[TestFixture]
public sealed class LoadOptionsTests
{
    [Test]
    public void Fixed_body_scenarios_default_to_h2load_and_the_rest_to_dotnet()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LoadOptions.Parse(["request-grant"]).Engine, Is.EqualTo(Engine.H2load));
            Assert.That(LoadOptions.Parse(["introspect", "--store", "redis"]).Engine, Is.EqualTo(Engine.H2load));
            Assert.That(LoadOptions.Parse(["task-churn"]).Engine, Is.EqualTo(Engine.Dotnet));
            Assert.That(LoadOptions.Parse(["mixed"]).Engine, Is.EqualTo(Engine.Dotnet));
        });
    }

    [TestCase(new[] { "task-churn", "--engine", "h2load" }, "--engine")]
    [TestCase(new[] { "request-grant", "--concurrency", "0" }, "--concurrency")]
    [TestCase(new[] { "request-grant", "--duration", "soon" }, "--duration")]
    [TestCase(new[] { "request-grant", "--connections", "8", "--concurrency", "4" }, "--connections")]
    [TestCase(new[] { "request-grant", "--store", "postgres" }, "--store")]
    [TestCase(new[] { "request-grant", "--address", "http://127.0.0.1:5080" }, "--keys")]
    [TestCase(new[] { "request-grant", "--frobnicate", "1" }, "--frobnicate")]
    [TestCase(new[] { "grant-everything" }, "scenario")]
    public void Bad_options_are_refused_naming_the_option(string[] args, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(args));

        Assert.That(error!.Message, Does.Contain(named));
    }

    [Test]
    public void H2load_body_is_a_grpc_length_prefixed_message()
    {
        var message = new IntrospectRequest { Token = "abc" };

        var framed = H2loadEngine.Frame(message);

        Assert.Multiple(() =>
        {
            Assert.That(framed[0], Is.Zero, "not compressed");
            Assert.That(framed[1..5], Is.EqualTo(new byte[] { 0, 0, 0, (byte)message.CalculateSize() }), "big-endian length");
            Assert.That(IntrospectRequest.Parser.ParseFrom(framed[5..]).Token, Is.EqualTo("abc"));
        });
    }

    [Test]
    public void Latency_percentiles_are_nearest_rank()
    {
        var latency = Latency.FromMilliseconds(Enumerable.Range(1, 100).Select(i => (double)i));

        Assert.That(latency, Is.EqualTo(new Latency(50, 90, 99, 100)));
    }
}
