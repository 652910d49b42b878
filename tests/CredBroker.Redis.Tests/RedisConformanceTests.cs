using CredBroker.Core.Audit;
using CredBroker.Core.Identity;
using CredBroker.Core.Revocation;
using CredBroker.Testing.Redis;
using CredBroker.Testing.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using StackExchange.Redis;

namespace CredBroker.Redis.Tests;

/// <summary>One connection to the shared Redis per fixture; each test gets its own key prefix, so it starts empty.</summary>
internal static class SharedConnection
{
    public static async Task<IConnectionMultiplexer> OpenAsync() => await RedisStores.ConnectAsync(await SharedRedis.GetEndpointAsync());

    public static string NewPrefix(string what) => $"{what}-{Guid.NewGuid():N}:";
}

/// <summary>The revocation log contract on the Redis log (stream plus standing-rule keys).</summary>
[TestFixture]
public sealed class RedisRevocationLogContractTests : RevocationLogContract
{
    private IConnectionMultiplexer redis = null!;

    [OneTimeSetUp]
    public async Task Connect() => redis = await SharedConnection.OpenAsync();

    [OneTimeTearDown]
    public async Task Disconnect() => await redis.DisposeAsync();

    protected override Task<IRevocationLog> CreateLogAsync() =>
        Task.FromResult<IRevocationLog>(RedisStores.CreateRevocationLog(redis, SharedConnection.NewPrefix("revocations")));
}

/// <summary>The replay guard contract on the Redis guard; forgetting takes real time (Redis expiry), half a second.</summary>
[TestFixture]
public sealed class RedisIdentityReplayGuardContractTests : IdentityReplayGuardContract
{
    private IConnectionMultiplexer redis = null!;

    protected override DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    [OneTimeSetUp]
    public async Task Connect() => redis = await SharedConnection.OpenAsync();

    [OneTimeTearDown]
    public async Task Disconnect() => await redis.DisposeAsync();

    protected override Task<IIdentityReplayGuard> CreateGuardAsync() =>
        Task.FromResult<IIdentityReplayGuard>(new RedisIdentityReplayGuard(redis, Options.Create(new RedisStoreOptions { KeyPrefix = SharedConnection.NewPrefix("replay") }), TimeProvider.System));

    protected override async Task PassAsync(DateTimeOffset instant)
    {
        while (TimeProvider.System.GetUtcNow() <= instant)
        {
            await Task.Delay(50);
        }
    }
}

/// <summary>The audit sink contract on the Redis stream sink.</summary>
[TestFixture]
public sealed class RedisAuditSinkContractTests : AuditSinkContract
{
    private IConnectionMultiplexer redis = null!;

    protected override bool Durable => true;

    [OneTimeSetUp]
    public async Task Connect() => redis = await SharedConnection.OpenAsync();

    [OneTimeTearDown]
    public async Task Disconnect() => await redis.DisposeAsync();

    protected override Task<IAuditSink> CreateSinkAsync() =>
        Task.FromResult<IAuditSink>(new RedisAuditSink(redis, Options.Create(new RedisStoreOptions { KeyPrefix = SharedConnection.NewPrefix("audit") }), Options.Create(new RedisAuditOptions()), NullLogger<RedisAuditSink>.Instance));
}

/// <summary>The approval store contract on the Redis store; expiry uses real time, so that test waits about a second.</summary>
[TestFixture]
public sealed class RedisApprovalStoreContractTests : ApprovalStoreContract
{
    private IConnectionMultiplexer redis = null!;
    private RedisBrokerStore store = null!;

    [OneTimeSetUp]
    public async Task Connect() => redis = await SharedConnection.OpenAsync();

    [OneTimeTearDown]
    public async Task Disconnect() => await redis.DisposeAsync();

    // Each test gets its own key prefix: the pending listing walks every approval under it.
    protected override Task<Core.Approvals.IApprovalStore> CreateStoreAsync()
    {
        store = RedisStores.Create(redis, keyPrefix: SharedConnection.NewPrefix("approvals"));
        return Task.FromResult<Core.Approvals.IApprovalStore>(store);
    }

    protected override async Task<DateTimeOffset> NowAsync() => await store.GetTimeAsync(default);

    protected override async Task PassAsync(DateTimeOffset instant)
    {
        while (await store.GetTimeAsync(default) <= instant)
        {
            await Task.Delay(50);
        }
    }
}
