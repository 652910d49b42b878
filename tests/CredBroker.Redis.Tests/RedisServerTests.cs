using CredBroker.Testing.Redis;
using NUnit.Framework;

namespace CredBroker.Redis.Tests;

/// <summary>The test Redis itself: a missing binary is a failure with a way out, never a skip.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisServerTests
{
    [Test]
    public void Missing_redis_server_binary_fails_with_a_clear_message()
    {
        var saved = Environment.GetEnvironmentVariable(RedisServerBinary.Variable);
        Environment.SetEnvironmentVariable(RedisServerBinary.Variable, "/nonexistent/redis-server");
        try
        {
            Assert.That(
                async () => await RedisServer.StartNewAsync(),
                Throws.InvalidOperationException.With.Message.Contains(RedisServerBinary.Variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(RedisServerBinary.Variable, saved);
        }
    }

    [Test]
    public async Task Started_server_listens_on_loopback_only_and_restarts_on_the_same_port()
    {
        await using var server = await RedisServer.StartNewAsync();
        var endpoint = server.Endpoint;

        await server.StopAsync();
        Assert.That(server.IsRunning, Is.False);
        await server.StartAsync();

        Assert.That((server.IsRunning, server.Endpoint), Is.EqualTo((true, endpoint)));
        Assert.That(endpoint, Does.StartWith("127.0.0.1:"));
    }
}
