namespace CredBroker.Verifier.Tests;

/// <summary>Polls a condition until it holds or the bound passes; no fixed sleeps in the tests.</summary>
public static class Eventually
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(20);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"waited {within.TotalSeconds} s for {what}");
            }

            await Task.Delay(Step);
        }
    }

    /// <summary>Polls <paramref name="probe"/> until <paramref name="done"/> holds for its result; returns that result.</summary>
    public static async Task<T> ResultAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, string what)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var result = await probe();
            if (done(result))
            {
                return result;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"waited {within.TotalSeconds} s for {what}; last result: {result}");
            }

            await Task.Delay(Step);
        }
    }
}
