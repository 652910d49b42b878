using System.Net;
using CredBroker.Protocol.V1;
using CredBroker.Redis;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;
using StackExchange.Redis;

namespace CredBroker.Verifier.Tests.Durability;

/// <summary>
/// What the durability tests share: one redis-server of their own per fixture (its settings are what
/// they break), a broker per test with its own key prefix (the kill switch is global to a prefix), and a
/// safety check every 200 ms so a drift shows within a fraction of a second.
/// </summary>
public abstract class RedisFaultFixture
{
    /// <summary>A bound, not an expectation: reconnecting after Redis restarts can take the multiplexer several seconds.</summary>
    protected static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    protected RedisServer Redis { get; private set; } = null!;

    /// <summary>Arguments every start of this fixture's Redis gets.</summary>
    protected virtual string[] RedisArguments => [];

    [OneTimeSetUp]
    public async Task StartRedis() => Redis = await RedisServer.StartNewAsync(RedisArguments);

    [OneTimeTearDown]
    public async Task StopRedis() => await Redis.DisposeAsync();

    protected async Task<BrokerFixture> StartBrokerAsync(IReadOnlyDictionary<string, string?>? settings = null, string? prefix = null)
    {
        var merged = new Dictionary<string, string?> { ["CredBroker:RedisSafetyCheckInterval"] = "00:00:00.200" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        var broker = await BrokerFixture.StartAsync(Redis.Endpoint, settings: merged, redisKeyPrefix: prefix ?? NewPrefix());

        // These tests break Redis on purpose: what the broker says about it at Error and above is expected, nothing else.
        broker.Logs.ExpectErrorsFrom(
            "StackExchange.Redis",
            "CredBroker.Redis.RedisPersistenceGuard",
            "CredBroker.Redis.RedisStoreWarmUp: Redis lost data",
            "CredBroker.Core.Revocation.RevocationBroker: Kill switch engaged in this broker's memory only");
        return broker;
    }

    protected static string NewPrefix() => "d" + Guid.NewGuid().ToString("N")[..8] + ":";

    /// <summary>Runs <paramref name="action"/> on a fresh admin connection, so a Redis restart never leaves it stale.</summary>
    protected async Task<T> AdminAsync<T>(Func<IServer, IDatabase, Task<T>> action)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(Redis.Endpoint + ",allowAdmin=true,syncTimeout=10000,asyncTimeout=10000");
        return await action(admin.GetServers().Single(), admin.GetDatabase());
    }

    protected Task ConfigSetAsync(string setting, string value) => AdminAsync(async (server, _) =>
    {
        await server.ConfigSetAsync(setting, value);
        return true;
    });

    protected static async Task<Grant> GrantAsync(BrokerFixture broker, string? taskId = null, CallOptions? options = null) =>
        (await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = taskId ?? BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } },
            options ?? broker.As(TestPolicy.Support))).Grant;

    /// <summary>
    /// Asks for grants until one is refused with <paramref name="code"/> whose message holds <paramref name="naming"/>;
    /// counts in <paramref name="issued"/> the grants answered OK meanwhile (before the check saw the fault).
    /// </summary>
    protected static async Task<RpcException> RefusedAsync(BrokerFixture broker, StatusCode code, string naming, List<Grant>? issued = null)
    {
        RpcException? last = null;
        var deadline = DateTime.UtcNow + Within;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                // Not issued?.Add(await ...): a null list would skip the call itself.
                var grant = await GrantAsync(broker);
                issued?.Add(grant);
            }
            catch (RpcException e) when (e.StatusCode == code && e.Status.Detail.Contains(naming, StringComparison.Ordinal))
            {
                return e;
            }
            catch (RpcException e)
            {
                last = e;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"no grant was refused with {code} naming '{naming}' within {Within.TotalSeconds} s; last refusal: {last?.Status}; "
            + $"store condition {(broker.Services.GetService(typeof(Core.Storage.IStoreSafety)) as Core.Storage.IStoreSafety)?.Current}; "
            + string.Join(" | ", broker.Logs.Entries.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning && !l.Message.Contains("UnableToConnect", StringComparison.Ordinal)).Select(l => l.Message)));
        return null!;
    }

    /// <summary>Asks for a grant until one is issued: the broker serves again by itself.</summary>
    protected static async Task<Grant> ServedAgainAsync(BrokerFixture broker, string? taskId = null)
    {
        RpcException? last = null;
        var deadline = DateTime.UtcNow + Within;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                return await GrantAsync(broker, taskId);
            }
            catch (RpcException e)
            {
                last = e;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"the broker did not serve grants again within {Within.TotalSeconds} s; last refusal: {last?.Status}");
        return null!;
    }

    protected static async Task<HttpStatusCode> ReadinessAsync(BrokerFixture broker) =>
        (await broker.Http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode;

    /// <summary>Every live grant record the broker lists (its own key prefix only).</summary>
    protected static async Task<int> LiveGrantRecordsAsync(BrokerFixture broker)
    {
        var count = 0;
        var token = string.Empty;
        do
        {
            var page = await broker.Admin.ListGrantsAsync(new ListGrantsRequest { PageSize = 500, PageToken = token }, broker.As(TestPolicy.Operator));
            count += page.Grants.Count;
            token = page.NextPageToken;
        }
        while (!string.IsNullOrEmpty(token));
        return count;
    }

    /// <summary>Whether Redis holds the revocation of <paramref name="taskId"/> (the store's mark, read directly).</summary>
    protected Task<bool> TaskRevokedInRedisAsync(string prefix, string taskId) =>
        AdminAsync((_, db) => db.HashExistsAsync(RedisKeys.TaskRevoked(prefix, taskId), "at"));

    protected static async Task RefusedByVerifierAsync(VerifierHarness verifier, string token) =>
        await verifier.RevokedWithinBoundAsync(token);
}
