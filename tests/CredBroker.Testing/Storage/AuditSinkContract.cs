using CredBroker.Core.Audit;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

/// <summary>
/// What every <see cref="IAuditSink"/> must do (its XML doc): seal each event with its next position and the hash of
/// its last one, as one atomic step, and report that head. Subclassed once per sink (memory, Redis stream, JSON-lines file).
/// </summary>
public abstract class AuditSinkContract
{
    protected IAuditSink Sink { get; private set; } = null!;

    /// <summary>An empty sink.</summary>
    protected abstract Task<IAuditSink> CreateSinkAsync();

    /// <summary>Whether this sink is a record that outlives the process.</summary>
    protected abstract bool Durable { get; }

    [SetUp]
    public async Task CreateSink() => Sink = await CreateSinkAsync();

    [TearDown]
    public void DisposeSink() => (Sink as IDisposable)?.Dispose();

    [Test]
    public async Task An_empty_sink_reads_the_genesis_head()
    {
        var head = await Sink.ReadHeadAsync(default);

        Assert.That(head, Is.EqualTo(new AuditHead(0, AuditCanonical.GenesisHash)));
    }

    [Test]
    public async Task Each_event_is_sealed_at_the_next_position_after_the_last_hash_and_the_head_follows()
    {
        var first = await Sink.AppendAsync(Unsealed("ev-1"), default);
        var second = await Sink.AppendAsync(Unsealed("ev-2"), default);
        var head = await Sink.ReadHeadAsync(default);

        Assert.Multiple(() =>
        {
            Assert.That((first.Id, first.Seq, first.PrevHash), Is.EqualTo(("ev-1", 1L, AuditCanonical.GenesisHash)));
            Assert.That((second.Id, second.Seq, second.PrevHash), Is.EqualTo(("ev-2", 2L, first.Hash)));
            Assert.That(AuditChain.Verify([first, second]), Is.Null, "each hash is the hash of its event");
            Assert.That(head, Is.EqualTo(new AuditHead(2, second.Hash)));
        });
    }

    [Test]
    public async Task Concurrent_appends_form_one_unbroken_chain()
    {
        var sealedEvents = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () => await Sink.AppendAsync(Unsealed($"ev-{i}"), default))));
        var chain = sealedEvents.OrderBy(e => e.Seq).ToList();

        Assert.That(chain.Select(e => e.Seq), Is.EqualTo(Enumerable.Range(1, 64).Select(i => (long)i)));
        Assert.That(AuditChain.Verify(chain), Is.Null);
        Assert.That(await Sink.ReadHeadAsync(default), Is.EqualTo(new AuditHead(64, chain[^1].Hash)));
    }

    [Test]
    public void The_sink_says_whether_it_outlives_the_process()
    {
        Assert.That(Sink.Durable, Is.EqualTo(Durable));
        Assert.That(Sink.Name, Is.Not.Empty);
    }

    protected static AuditEvent Unsealed(string id) => new(
        0, id, DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000), AuditKinds.GrantIssued, "allow", "spiffe://example.org/agent/a", string.Empty,
        "spiffe://example.org/agent/a", "alice@example.org", "task-1", "triage", ["db.read"], "g_x", string.Empty, new Dictionary<string, string>(), string.Empty, string.Empty);
}
