using CredBroker.Core.Audit;
using CredBroker.Core.Identity;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Testing.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace CredBroker.Core.Tests.Storage;

/// <summary>The revocation log contract on the in-memory log.</summary>
[TestFixture]
public sealed class InMemoryRevocationLogContractTests : RevocationLogContract
{
    protected override Task<IRevocationLog> CreateLogAsync() =>
        Task.FromResult<IRevocationLog>(new InMemoryRevocationLog(new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 2, 11, 417, TimeSpan.Zero))));
}

/// <summary>The replay guard contract on the in-memory guard, with a fake clock so forgetting costs no waiting.</summary>
[TestFixture]
public sealed class InMemoryIdentityReplayGuardContractTests : IdentityReplayGuardContract
{
    private FakeTimeProvider time = null!;

    protected override DateTimeOffset Now => time.GetUtcNow();

    protected override Task<IIdentityReplayGuard> CreateGuardAsync()
    {
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 2, 11, 417, TimeSpan.Zero));
        return Task.FromResult<IIdentityReplayGuard>(new InMemoryIdentityReplayGuard(time));
    }

    protected override Task PassAsync(DateTimeOffset instant)
    {
        if (instant >= time.GetUtcNow())
        {
            time.Advance(instant - time.GetUtcNow() + TimeSpan.FromMilliseconds(1));
        }

        return Task.CompletedTask;
    }
}

/// <summary>The audit sink contract on the in-memory sink.</summary>
[TestFixture]
public sealed class InMemoryAuditSinkContractTests : AuditSinkContract
{
    protected override bool Durable => false;

    protected override Task<IAuditSink> CreateSinkAsync() => Task.FromResult<IAuditSink>(new InMemoryAuditSink(Options.Create(new AuditOptions())));
}

/// <summary>The audit sink contract on the JSON-lines file sink, each test on a file of its own.</summary>
[TestFixture]
public sealed class JsonLinesAuditSinkContractTests : AuditSinkContract
{
    private string directory = null!;

    protected override bool Durable => true;

    protected override Task<IAuditSink> CreateSinkAsync()
    {
        directory = Directory.CreateTempSubdirectory("credbroker-audit-contract-").FullName;
        return Task.FromResult<IAuditSink>(new JsonLinesAuditSink(Options.Create(new AuditOptions { File = Path.Combine(directory, "audit.jsonl") })));
    }

    [TearDown]
    public void DeleteFile() => Directory.Delete(directory, recursive: true);
}

/// <summary>The approval store contract on the in-memory store, with a fake clock so expiry costs no waiting.</summary>
[TestFixture]
public sealed class InMemoryApprovalStoreContractTests : ApprovalStoreContract
{
    private FakeTimeProvider time = null!;

    protected override Task<Approvals.IApprovalStore> CreateStoreAsync()
    {
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 2, 11, 417, TimeSpan.Zero));
        return Task.FromResult<Approvals.IApprovalStore>(new InMemoryBrokerStore(time, Options.Create(new StoreOptions())));
    }

    protected override Task<DateTimeOffset> NowAsync() => Task.FromResult(time.GetUtcNow());

    protected override Task PassAsync(DateTimeOffset instant)
    {
        if (instant >= time.GetUtcNow())
        {
            time.Advance(instant - time.GetUtcNow() + TimeSpan.FromMilliseconds(1));
        }

        return Task.CompletedTask;
    }
}
