using CredBroker.Core.Audit;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Tests.Audit;

/// <summary>The audit file under concurrent appends: one unbroken chain on disk, each caller holding its own line.</summary>
public sealed class JsonLinesAuditSinkTests
{
    [Test]
    public async Task Concurrent_appends_write_one_chain_each_caller_getting_its_own_event()
    {
        var path = Path.Combine(Path.GetTempPath(), $"credbroker-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var sink = new JsonLinesAuditSink(Options.Create(new AuditOptions { File = path })))
            {
                var appended = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
                    (Id: $"ev-{i}", Sealed: await sink.AppendAsync(Unsealed($"ev-{i}"), CancellationToken.None)))));

                var onDisk = (await File.ReadAllLinesAsync(path)).Select(AuditCanonical.Parse).ToList();
                Assert.Multiple(() =>
                {
                    Assert.That(onDisk.Select(e => e.Seq), Is.EqualTo(Enumerable.Range(1, 400).Select(i => (long)i)));
                    Assert.That(AuditChain.Verify(onDisk), Is.Null);
                    Assert.That(appended.Select(x => x.Sealed.Id), Is.EqualTo(appended.Select(x => x.Id)), "each caller gets its own event back");
                    Assert.That(appended.Select(x => x.Sealed.Hash), Is.EquivalentTo(onDisk.Select(e => e.Hash)), "and exactly what the file holds");
                });
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static AuditEvent Unsealed(string id) => new(
        0, id, DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000), AuditKinds.GrantIssued, "allow", "spiffe://example.org/agent/a", string.Empty,
        "spiffe://example.org/agent/a", "alice@example.org", "task-1", "triage", ["db.read"], "g_x", string.Empty, new Dictionary<string, string>(), string.Empty, string.Empty);
}
