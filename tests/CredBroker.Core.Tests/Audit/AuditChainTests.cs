using CredBroker.Core.Audit;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Tests.Audit;

public sealed class AuditChainTests
{
    private static async Task<List<AuditEvent>> ChainAsync(int count)
    {
        var sink = new InMemoryAuditSink(Options.Create(new AuditOptions()));
        var events = new List<AuditEvent>();
        for (var i = 0; i < count; i++)
        {
            var unsealed = new AuditEvent(0, AuditIds.New(), AuditCanonical.Truncate(DateTimeOffset.UnixEpoch.AddSeconds(i)), AuditKinds.GrantIssued, "allow", "spiffe://x/agent", "r_" + i, "spiffe://x/agent", "team", "t-" + i, "purpose é \"quoted\"", ["a.read", "b.write"], "g_" + i, string.Empty, new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" }, string.Empty, string.Empty);
            events.Add(await sink.AppendAsync(unsealed, CancellationToken.None));
        }

        return events;
    }

    [Test]
    public async Task An_intact_chain_verifies_and_starts_at_genesis()
    {
        var events = await ChainAsync(5);
        Assert.Multiple(() =>
        {
            Assert.That(AuditChain.Verify(events), Is.Null);
            Assert.That(events[0].PrevHash, Is.EqualTo(AuditCanonical.GenesisHash));
            Assert.That(events.Select(e => e.Seq), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
        });
    }

    [Test]
    public async Task A_trace_id_is_hashed_and_round_trips_and_an_event_without_one_keeps_the_form_it_had()
    {
        const string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        var sink = new InMemoryAuditSink(Options.Create(new AuditOptions()));
        var plain = (await ChainAsync(1))[0];
        var traced = await sink.AppendAsync(plain with { Seq = 0, PrevHash = string.Empty, Hash = string.Empty, TraceId = trace }, CancellationToken.None);

        Assert.That(AuditCanonical.ToJson(plain), Does.Not.Contain("trace_id"), "an event outside a trace (or written before the field) is hashed as before");
        Assert.That(AuditCanonical.ToJson(traced), Does.Contain($"\"trace_id\":\"{trace}\""));
        Assert.That(traced.Hash, Is.Not.EqualTo(plain.Hash), "the trace id is covered by the hash");
        var parsed = AuditCanonical.Parse(AuditCanonical.ToJson(traced));
        Assert.That(parsed.TraceId, Is.EqualTo(trace));
        Assert.That(AuditChain.Verify([parsed]), Is.Null);
        Assert.That(AuditChain.Verify([parsed with { TraceId = "00000000000000000000000000000001" }]), Is.Not.Null, "an edited trace id breaks the chain");
    }

    [Test]
    public async Task The_canonical_line_round_trips_to_the_same_hash()
    {
        var events = await ChainAsync(2);
        var parsed = events.Select(e => AuditCanonical.Parse(AuditCanonical.ToJson(e))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(AuditChain.Verify(parsed), Is.Null);
            Assert.That(parsed.Select(AuditCanonical.ComputeHash), Is.EqualTo(events.Select(e => e.Hash)));
        });
    }

    [Test]
    public async Task An_edited_event_is_named()
    {
        var events = await ChainAsync(5);
        events[2] = events[2] with { Reason = "nothing to see" };
        var broken = AuditChain.Verify(events);
        Assert.That(broken, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(broken!.EventId, Is.EqualTo(events[2].Id));
            Assert.That(broken.Problem, Does.Contain("altered"));
        });
    }

    [Test]
    public async Task An_edited_and_rehashed_event_breaks_the_next_link()
    {
        var events = await ChainAsync(5);
        var forged = events[2] with { Decision = "permission_denied" };
        events[2] = forged with { Hash = AuditCanonical.ComputeHash(forged) };
        var broken = AuditChain.Verify(events);
        Assert.That(broken?.EventId, Is.EqualTo(events[3].Id));
    }

    [Test]
    public async Task A_deleted_event_is_named_by_the_one_after_it()
    {
        var events = await ChainAsync(5);
        var after = events[3];
        events.RemoveAt(2);
        var broken = AuditChain.Verify(events);
        Assert.Multiple(() =>
        {
            Assert.That(broken?.EventId, Is.EqualTo(after.Id));
            Assert.That(broken?.Problem, Does.Contain("deleted"));
        });
    }

    [Test]
    public async Task Reordered_events_are_detected()
    {
        var events = await ChainAsync(5);
        (events[1], events[2]) = (events[2], events[1]);
        Assert.That(AuditChain.Verify(events)?.Position, Is.EqualTo(1));
    }

    [Test]
    public async Task A_chain_trimmed_by_retention_verifies_from_its_oldest_kept_event()
    {
        var events = await ChainAsync(5);
        Assert.That(AuditChain.Verify(events.Skip(2)), Is.Null);
    }

    [Test]
    public void A_line_that_is_not_an_event_is_refused() =>
        Assert.Throws<FormatException>(() => AuditCanonical.Parse("{\"seq\":1}"));
}
