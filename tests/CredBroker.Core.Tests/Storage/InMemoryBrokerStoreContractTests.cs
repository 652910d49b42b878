using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Testing.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace CredBroker.Core.Tests.Storage;

/// <summary>The store contract on the in-memory store, with a fake clock so expiry costs no waiting.</summary>
[TestFixture]
public sealed class InMemoryBrokerStoreContractTests : BrokerStoreContract
{
    private FakeTimeProvider time = null!;
    private InMemoryRevocationLog revocations = null!;

    protected override Task<IBrokerStore> CreateStoreAsync()
    {
        // Off a whole second, so whole-second stamping is actually exercised.
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 2, 11, 417, TimeSpan.Zero));
        revocations = new InMemoryRevocationLog(time);
        return Task.FromResult<IBrokerStore>(new InMemoryBrokerStore(time, Options.Create(new StoreOptions()), revocations));
    }

    protected override IRevocationLog RevocationsOfStore() => revocations;

    protected override Task PassAsync(DateTimeOffset instant)
    {
        var now = time.GetUtcNow();
        if (instant >= now)
        {
            time.Advance(instant - now + TimeSpan.FromMilliseconds(1));
        }

        return Task.CompletedTask;
    }
}
