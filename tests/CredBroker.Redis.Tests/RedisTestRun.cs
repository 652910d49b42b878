using CredBroker.Testing.Redis;
using NUnit.Framework;

namespace CredBroker.Redis.Tests;

/// <summary>Stops the shared Redis (if the tests started one) once every test of this assembly has run.</summary>
[SetUpFixture]
public sealed class RedisTestRun
{
    [OneTimeTearDown]
    public async Task StopSharedRedis() => await SharedRedis.StopAsync();
}
