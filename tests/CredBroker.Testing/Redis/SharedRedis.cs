namespace CredBroker.Testing.Redis;

/// <summary>
/// The Redis that tests share: the one the test script started (<see cref="EndpointVariable"/>), or else one
/// <see cref="RedisServer"/> started on first use and kept for the whole test run. Tests on it must use their
/// own task ids (or key prefix) so they never collide.
/// </summary>
public static class SharedRedis
{
    /// <summary>The endpoint of a Redis started outside the tests, e.g. <c>127.0.0.1:6391</c>.</summary>
    public const string EndpointVariable = "CREDBROKER_TEST_REDIS";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static RedisServer? server;

    /// <summary>The endpoint of the shared Redis, starting it if needed.</summary>
    public static async Task<string> GetEndpointAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EndpointVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        await Gate.WaitAsync();
        try
        {
            if (server is null)
            {
                server = await RedisServer.StartNewAsync();
                // Backstop for runs that never reach StopAsync; a SetUpFixture should call it.
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server?.StopAsync().GetAwaiter().GetResult();
            }

            return server.Endpoint;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Stops the Redis this class started, if any; call once after all tests (an NUnit SetUpFixture).</summary>
    public static async Task StopAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (server is not null)
            {
                await server.DisposeAsync();
                server = null;
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}
