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

    [Test]
    public async Task A_restart_continues_the_chain_after_a_last_line_longer_than_any_read_window()
    {
        var path = Path.Combine(Path.GetTempPath(), $"credbroker-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            // A last line of 3 MiB: longer than one block and than the 1 MiB the sink once read.
            var first = AuditChain.Seal(Unsealed("ev-1"), 1, AuditCanonical.GenesisHash);
            var huge = AuditChain.Seal(Unsealed("ev-2") with { Purpose = new string('p', 3 * 1024 * 1024) }, 2, first.Hash);
            await File.WriteAllTextAsync(path, AuditCanonical.ToJson(first) + "\n" + AuditCanonical.ToJson(huge) + "\n");

            using (var sink = new JsonLinesAuditSink(Options.Create(new AuditOptions { File = path })))
            {
                Assert.That(await sink.ReadHeadAsync(CancellationToken.None), Is.EqualTo(new AuditHead(2, huge.Hash)));
                var next = await sink.AppendAsync(Unsealed("ev-3"), CancellationToken.None);
                Assert.That((next.Seq, next.PrevHash), Is.EqualTo((3L, huge.Hash)));
            }

            var onDisk = (await File.ReadAllLinesAsync(path)).Select(AuditCanonical.Parse).ToList();
            Assert.That(AuditChain.Verify(onDisk), Is.Null);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task Blank_lines_after_the_last_event_do_not_hide_the_head()
    {
        var path = Path.Combine(Path.GetTempPath(), $"credbroker-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            var first = AuditChain.Seal(Unsealed("ev-1"), 1, AuditCanonical.GenesisHash);
            await File.WriteAllTextAsync(path, AuditCanonical.ToJson(first) + "\n\n\n");
            using var sink = new JsonLinesAuditSink(Options.Create(new AuditOptions { File = path }));
            Assert.That(await sink.ReadHeadAsync(CancellationToken.None), Is.EqualTo(new AuditHead(1, first.Hash)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task The_file_is_created_readable_by_the_brokers_user_only()
    {
        Assume.That(OperatingSystem.IsWindows(), Is.False, "Unix file modes");
        var path = Path.Combine(Path.GetTempPath(), $"credbroker-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var sink = new JsonLinesAuditSink(Options.Create(new AuditOptions { File = path })))
            {
                await sink.AppendAsync(Unsealed("ev-1"), CancellationToken.None);
            }

            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task A_torn_last_line_makes_the_sink_unavailable_rather_than_fork_the_chain()
    {
        var path = Path.Combine(Path.GetTempPath(), $"credbroker-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            var first = AuditChain.Seal(Unsealed("ev-1"), 1, AuditCanonical.GenesisHash);
            await File.WriteAllTextAsync(path, AuditCanonical.ToJson(first) + "\n{\"seq\":2,");
            using var sink = new JsonLinesAuditSink(Options.Create(new AuditOptions { File = path }));
            Assert.ThrowsAsync<AuditSinkUnavailableException>(async () => await sink.ReadHeadAsync(CancellationToken.None));
            Assert.ThrowsAsync<AuditSinkUnavailableException>(async () => await sink.AppendAsync(Unsealed("ev-2"), CancellationToken.None));
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
